"""Errors raised by the accounts app's services."""

from learnerportal.exceptions import PortalError


class AccountsError(PortalError):
    """Base error of the accounts app."""

    code = "accounts_error"


class InvalidPhoto(AccountsError):
    """An uploaded photo that is not an image the portal accepts."""

    code = "invalid_photo"


class AccountChangeRefused(AccountsError):
    """A change to someone's sign-in details, identity or rights that the actor may not make.

    ``field`` names what was attempted (e.g. ``"password"``), for the audit row
    the caller writes about the refusal.
    """

    code = "account_change_refused"


class TwoFactorError(AccountsError):
    """A two-factor step that cannot be taken: wrong code or password, nothing pending, …"""

    code = "two_factor_error"


class SignupLinkInvalid(AccountsError):
    """A sign-up confirmation link that is unknown (cut short, changed), already used, or expired."""

    code = "signup_link_invalid"


class SignupEmailTaken(AccountsError):
    """A sign-up link whose address got an account after the link was sent (another link to it was used first)."""

    code = "signup_email_taken"


class SignupUsernameUnavailable(AccountsError):
    """A sign-up link whose username may no longer be chosen: another account took it after the link was sent."""

    code = "signup_username_unavailable"


class RecoveryLinkInvalid(AccountsError):
    """A recovery link that is unknown (cut short, changed), already used, replaced by a newer one, or expired."""

    code = "recovery_link_invalid"
