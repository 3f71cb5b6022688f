"""Authentication, permissions, throttles and pagination of the API.

Named in ``settings.REST_FRAMEWORK``, so this module must not import DRF's views.
"""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import PersonalAccessToken
from accounts.services import personal_access_token_authenticate
from learnerportal.addresses import client_ip_address
from privacy.selectors import two_factor_enabled
from privacy.services import two_factor_login_pending_user

# Authentication.


class PersonalAccessTokenAuthentication(BaseAuthentication):
    """Authenticate ``Authorization: Bearer lpat_…`` with a learner's personal access token.

    ``request.auth`` is then the ``PersonalAccessToken``. A header that is not a
    Bearer token is left to the next authenticator.
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


# Permissions.


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


# Throttles: rates in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read at each request.


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def get_ident(self, request):
        # The portal's one rule for the client's address, not DRF's NUM_PROXIES (which differs when a
        # request has fewer X-Forwarded-For entries than proxies: it then trusts the client's own).
        return client_ip_address(request) or "unknown"


class PerUserThrottle(_SettingsRateThrottle):
    """Limit each signed-in user (token or session) to ``API_THROTTLE_USER_RATE`` requests."""

    scope = "api_user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PerIPThrottle(_SettingsRateThrottle):
    """Limit each client IP address (``learnerportal.addresses.client_ip_address``) to ``API_THROTTLE_IP_RATE``."""

    scope = "api_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PortalPagination(PageNumberPagination):
    """Pages of 20 (``?page_size=`` from 1 to 100); each list view orders its rows by a unique key last.

    A ``page_size`` that is not a whole number in that range is refused (400), not
    quietly replaced, so a client learns of its mistake; a page past the end is 404.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size, "default": self.page_size})
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1})
        return parameters

    def get_paginated_response_schema(self, schema):
        """DRF's page schema, with examples of this API's own addresses (they show in every list's example)."""
        page = super().get_paginated_response_schema(schema)
        base = "http://127.0.0.1:8000/api/v1/me/requests/"
        page["properties"]["count"]["example"] = 45
        page["properties"]["next"]["example"] = f"{base}?page=3"
        page["properties"]["previous"]["example"] = f"{base}?page=1"
        return page


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """Always answer with the view's first renderer, for endpoints that return files (errors stay JSON)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
