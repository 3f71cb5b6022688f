"""The API's authentication and permissions: personal access tokens, and browser sessions past any second factor.

Named in ``settings.REST_FRAMEWORK``, so this module must not import DRF's views.
"""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import PersonalAccessToken
from .selectors import two_factor_enabled
from .services import personal_access_token_authenticate
from .timezones import user_timezone
from .two_factor import two_factor_login_pending_user


class PersonalAccessTokenAuthentication(BaseAuthentication):
    """Authenticate ``Authorization: Bearer lpat_…`` with a learner's personal access token.

    ``request.auth`` is then the ``PersonalAccessToken``. A header that is not a
    Bearer token is left to the next authenticator. The answer's times are then in the
    token owner's time zone, as their pages' are (``LearnerTimeZoneMiddleware`` ends it
    with the request).
    """

    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send exactly one token after “Bearer”.", code="invalid_token")
        try:
            raw_token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That token is not valid.", code="invalid_token") from None
        token = personal_access_token_authenticate(raw_token)
        if token is None:
            raise exceptions.AuthenticationFailed(
                "That token is unknown, revoked or expired. Make a new one on the Security tab.", code="invalid_token"
            )
        timezone.activate(user_timezone(token.user))
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser session, once any second factor is passed; writes need the CSRF token.

    A session whose learner has two-factor authentication on but has not given
    a code in it (django-otp ``is_verified``), or a session waiting at the code
    step of signing in, counts as not signed in; ``IsSignedIn`` then answers
    ``two_factor_required``.
    """

    def authenticate(self, request):
        django_request = request._request
        user = getattr(django_request, "user", None)
        if user is None or not user.is_authenticated:
            if getattr(django_request, "session", None) is not None and two_factor_login_pending_user(django_request):
                request.two_factor_pending = True
            return None
        if two_factor_enabled(user) and not user.is_verified():
            request.two_factor_pending = True  # SECURITY: a password alone never opens the API
            return None
        return super().authenticate(request)


class IsSignedIn(BasePermission):
    """Allow a signed-in, active user; say ``two_factor_required`` to a session still waiting for its code."""

    def has_permission(self, request, view):
        if request.user and request.user.is_authenticated and request.user.is_active:
            return True
        if getattr(request, "two_factor_pending", False):
            raise exceptions.NotAuthenticated(
                "Finish signing in with the code from your authenticator app first.", code="two_factor_required"
            )
        return False


class TokenScopeAllows(BasePermission):
    """Refuse changes to read-only tokens (``insufficient_scope``); sessions and read-write tokens pass."""

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, PersonalAccessToken) or request.method in SAFE_METHODS:
            return True
        if token.scope != PersonalAccessToken.Scope.READ_WRITE:
            raise exceptions.PermissionDenied(
                "This token may only read. Make a read-and-write token on the Security tab to change things.",
                code="insufficient_scope",
            )
        return True
