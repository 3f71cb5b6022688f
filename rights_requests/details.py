"""The rule every free text on a request follows: a learner's note or reason, a staff member's note."""

from .exceptions import InvalidRequestDetails

#: Longest free text, in characters.
DETAIL_TEXT_MAX = 2000


def clean_text(value, name, *, required):
    """Return ``value`` trimmed; None counts as "".

    Raises:
        InvalidRequestDetails: naming ``name``, when it is not text, is empty though
            ``required``, or is longer than ``DETAIL_TEXT_MAX`` characters.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidRequestDetails(f"{name} must be text.", field=name)
    value = value.strip()
    if required and not value:
        raise InvalidRequestDetails("Please fill this in.", field=name)
    if len(value) > DETAIL_TEXT_MAX:
        raise InvalidRequestDetails(f"Keep it to {DETAIL_TEXT_MAX} characters or fewer.", field=name)
    return value
