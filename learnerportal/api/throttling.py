"""The API's rate limits; rates in ``settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, read at each request.

Named in ``settings.REST_FRAMEWORK``, so this module must not import DRF's views.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from learnerportal.addresses import client_limit_key
from learnerportal.counters import sliding_log_admit_reading


class _SettingsRateThrottle(SimpleRateThrottle):
    """At most the rate's number of requests in any span of its length, counted exactly across hosts.

    DRF's sliding log (the times of the client's latest requests), kept so that reading and
    writing it is one step on every host (``learnerportal.counters.sliding_log_admit``): a burst
    sent at once to several hosts gets exactly the limit, and no 60-second span holds more than
    a per-minute limit, across a minute's edge too. A refused request is not logged.
    """

    def __init__(self, read=()):
        """Count requests; ``read``: cache keys to read in the same round trip, found in ``self.found`` after."""
        super().__init__()
        self.read = tuple(read)
        self.found = None

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        admitted, self._wait, self.found = sliding_log_admit_reading(
            f"{self.key}:log", limit=self.num_requests, window=self.duration, read=self.read, now=self.timer()
        )
        return admitted

    def wait(self):
        """Return the seconds until one more request fits (float, at least 1), for ``Retry-After``."""
        return max(1.0, self._wait)

    def get_ident(self, request):
        # The portal's one rule for the client's address, not DRF's NUM_PROXIES (which differs when a
        # request has fewer X-Forwarded-For entries than proxies: it then trusts the client's own);
        # an IPv6 client counts by its /64.
        return client_limit_key(request) or "unknown"


class PerUserThrottle(_SettingsRateThrottle):
    """Limit each signed-in user (token or session) to ``API_THROTTLE_USER_RATE`` requests."""

    scope = "api_user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PerIPThrottle(_SettingsRateThrottle):
    """Limit each client to ``API_THROTTLE_IP_RATE``: an IPv4 address, or an IPv6 /64 (``client_limit_key``)."""

    scope = "api_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
