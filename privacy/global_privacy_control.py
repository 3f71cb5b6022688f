"""Global Privacy Control: when a request's signal is still to be recorded, and recording it once per session.

A browser with the signal on sends ``Sec-GPC: 1`` with every request and exposes
``navigator.globalPrivacyControl`` to scripts (GPC specification §3, §4). The header is read by
``middleware.GlobalPrivacyControlMiddleware``; a browser or extension that sets only the script
property is heard by ``static/js/gpc.js``, which posts to ``views.global_privacy_control_signal``.
Both end in ``signal_record`` and record the signal at most once per session.
"""

from .services import global_privacy_control_honour

#: The session key that says this session's Global Privacy Control signal was recorded.
SESSION_KEY = "privacy.gpc_recorded"


def signal_awaited(request):
    """Return whether a signal from ``request``'s browser would still be recorded in this session.

    True for a signed-in learner whose session has not recorded it yet; staff are left out
    (they work in admin; their choices as learners are theirs to make).
    """
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated and not user.is_staff and not request.session.get(SESSION_KEY)


def signal_record(request):
    """Record the signal of ``request``'s browser as its learner's opt-out, and remember it in the session.

    Returns:
        list of the purposes turned off now (empty when each was recorded before).
    """
    recorded = global_privacy_control_honour(user=request.user)
    request.session[SESSION_KEY] = True
    return recorded
