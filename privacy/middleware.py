"""Middleware of the privacy app."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .global_privacy_control import signal_awaited, signal_record
from .selectors import policy_confirmation_due

#: Paths that stay reachable while a learner has a policy update to confirm.
# The API answers JSON: a script cannot follow a redirect to a page (consents still wait for the confirmation).
EXEMPT_PREFIXES = (
    "/healthz",
    "/privacy/",
    "/accounts/",
    "/static/",
    "/admin/",
    "/settings/privacy/two-factor/",
    "/api/",
)


class PolicyConfirmationMiddleware:
    """Send a signed-in learner to confirm a new privacy policy at their next page view.

    Until they confirm, ``may_process`` refuses their consents given under the
    earlier version, so nothing optional happens meanwhile. Only GET page views
    are redirected; form posts in flight are not lost.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.method == "GET"
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and policy_confirmation_due(user) is not None
        ):
            return redirect(f"{reverse('privacy:policy_confirm')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class GlobalPrivacyControlMiddleware:
    """Honour a signed-in learner's Global Privacy Control signal (``Sec-GPC: 1``) as an opt-out.

    The first request of a session that carries the signal records it
    (``global_privacy_control.signal_record``); the session then remembers it, so later
    requests cost no query. Visitors have no consents to withdraw. (GPC spec, §3;
    CCPA regulations 11 CCR §7025.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.headers.get("Sec-GPC") == "1" and signal_awaited(request):
            signal_record(request)
        return self.get_response(request)
