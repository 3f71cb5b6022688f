"""Errors raised by the accounts app's services."""

from learnerportal.exceptions import PortalError


class AccountsError(PortalError):
    """Base error of the accounts app."""

    code = "accounts_error"


class InvalidPhoto(AccountsError):
    """An uploaded photo that is not an image the portal accepts."""

    code = "invalid_photo"
