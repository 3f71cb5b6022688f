"""Errors raised by the privacy app's services."""

from learnerportal.exceptions import PortalError


class PrivacyError(PortalError):
    """Base error of the privacy app."""

    code = "privacy_error"


class InvalidAudience(PrivacyError):
    """Audiences that cannot be saved: an unknown field or audience, or ``public`` too young.

    ``errors`` is ``{field name: message}`` for every refused field, in the order
    sent; ``field`` and ``detail`` name the first, for callers that show one.
    """

    code = "invalid_audience"

    #: At most this many refused fields are named, so a request naming thousands gets a short answer.
    MAX_NAMED = 20

    def __init__(self, errors, *, code=None):
        field, detail = next(iter(errors.items()))
        if len(errors) > 1:
            named = f"the first {self.MAX_NAMED} named" if len(errors) > self.MAX_NAMED else "the others named"
            detail = f"{len(errors)} fields cannot be saved: {detail} ({named})"
        super().__init__(detail, code=code, field=field)
        self.errors = dict(list(errors.items())[: self.MAX_NAMED])
