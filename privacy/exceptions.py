"""Errors raised by the privacy app's services."""

from learnerportal.exceptions import PortalError


class PrivacyError(PortalError):
    """Base error of the privacy app."""

    code = "privacy_error"


class InvalidAudience(PrivacyError):
    """An audience or profile field name that the portal does not know."""

    code = "invalid_audience"


class TwoFactorError(PrivacyError):
    """A two-factor step that cannot be taken: wrong code or password, nothing pending, …"""

    code = "two_factor_error"
