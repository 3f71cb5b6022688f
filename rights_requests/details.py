"""The rule every free text on a request follows: a learner's note or reason, a staff member's note."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.validators import prohibit_direction_controls

from .exceptions import InvalidRequestDetails

#: Longest free text, in characters.
DETAIL_TEXT_MAX = 2000

#: The longest name an agent or parent may give, in characters: a person's name, not a message (``agents``).
AGENT_NAME_MAX = 70


def clean_text(value, name, *, required):
    """Return ``value`` trimmed; None counts as "".

    Raises:
        InvalidRequestDetails: naming ``name``, when it is not text, is empty though
            ``required``, is longer than ``DETAIL_TEXT_MAX`` characters, or holds Unicode
            direction controls (which would disguise it to staff, as on the Account tab).
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidRequestDetails(_("%(name)s must be text.") % {"name": name}, field=name)
    value = value.strip()
    if required and not value:
        raise InvalidRequestDetails(_("Please fill this in."), field=name)
    if len(value) > DETAIL_TEXT_MAX:
        raise InvalidRequestDetails(
            _("Keep it to %(limit)s characters or fewer.") % {"limit": DETAIL_TEXT_MAX}, field=name
        )

    try:
        prohibit_direction_controls(value)
    except ValidationError as error:
        raise InvalidRequestDetails(error.messages[0], field=name) from None
    return value
