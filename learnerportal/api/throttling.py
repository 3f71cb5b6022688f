"""The API's rate limits; rates in ``settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, read at each request.

Named in ``settings.REST_FRAMEWORK``, so this module must not import DRF's views.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from learnerportal.addresses import client_ip_address


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
