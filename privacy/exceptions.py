"""Errors raised by the privacy app's services."""

from django.utils.translation import ngettext

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
            if len(errors) > self.MAX_NAMED:
                template = ngettext(
                    "%(count)s field cannot be saved: %(first)s (the first %(named)s named)",
                    "%(count)s fields cannot be saved: %(first)s (the first %(named)s named)",
                    len(errors),
                )
            else:
                template = ngettext(
                    "%(count)s field cannot be saved: %(first)s (the others named)",
                    "%(count)s fields cannot be saved: %(first)s (the others named)",
                    len(errors),
                )
            detail = template % {"count": len(errors), "first": detail, "named": self.MAX_NAMED}

        super().__init__(detail, code=code, field=field)
        self.errors = dict(list(errors.items())[: self.MAX_NAMED])


class AudiencePublicTooYoung(InvalidAudience):
    """``public`` chosen by a learner under the digital age of consent (GDPR Art. 8(1)); ``errors`` as above."""

    code = "too_young"
    status_code = 403


class TooYoung(PrivacyError):
    """Under the digital age of consent, the learner cannot turn this on themselves (GDPR Art. 8(1))."""

    code = "too_young"
    status_code = 403


class PolicyConfirmationDue(PrivacyError):
    """The privacy policy changed and the learner has not confirmed their choices under it yet."""

    code = "policy_confirmation_due"
    status_code = 409


class ObjectedForGood(PrivacyError):
    """The learner objected to this purpose, which stops it for good (GDPR Art. 21(3))."""

    code = "objected"
    status_code = 409


class OptedOutOfSale(PrivacyError):
    """The learner opted out of the sale or sharing of their data within 12 months (Cal. Civ. Code §1798.135(c)(4))."""

    code = "opted_out_of_sale"
    status_code = 409


class UnsubscribeLinkError(PrivacyError):
    """An unsubscribe link that is not genuine (tampered, or not one of ours)."""

    code = "invalid_link"


class UnsubscribeLinkExpired(UnsubscribeLinkError):
    """An unsubscribe link past its age, or of an account that no longer exists: it is gone."""

    code = "expired_link"
    status_code = 410
