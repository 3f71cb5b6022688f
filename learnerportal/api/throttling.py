"""The API's rate limits; rates in ``settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, read at each request.

Named in ``settings.REST_FRAMEWORK``, so this module must not import DRF's views.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from learnerportal.addresses import client_ip_address
from learnerportal.counters import cache_count, cache_decrement, cache_increment


class _SettingsRateThrottle(SimpleRateThrottle):
    """A sliding-window limit counted exactly across processes and hosts (the "sliding window counter").

    Requests are counted per fixed window of the rate's length, atomically
    (``learnerportal.counters``). A request is allowed while the current window's count plus
    the previous window's, weighted by the part of it the sliding window still covers, stays
    within the rate; a refused request is not counted. So a burst sent at once to several
    hosts gets exactly the limit, and a steady client can never exceed it in any window.
    """

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        current_key = f"{self.key}:{window}"
        self.current = cache_increment(current_key, timeout=2 * self.duration)
        self.previous = cache_count(f"{self.key}:{window - 1}")
        # previous × (the part of its window still covered) + current ≤ limit, in whole seconds × requests.
        uncovered = self.now % self.duration
        if self.previous * (self.duration - uncovered) <= (self.num_requests - self.current) * self.duration:
            return True
        cache_decrement(current_key)
        self.current -= 1
        return False

    def wait(self):
        """Return the seconds until one more request fits (float ≥ 1), for ``Retry-After``."""
        into = self.now % self.duration
        room = self.num_requests - 1 - self.current
        if room >= 0 and self.previous:  # this window has room once the previous one's weight falls
            return max(1.0, (self.duration * (self.previous - room) - into * self.previous) / self.previous)
        # After this window, it becomes the previous one, weighing ``current`` at first.
        later = self.duration * (self.current - self.num_requests + 1) / self.current if self.current else 0.0
        return max(1.0, self.duration - into + max(0.0, later))

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
