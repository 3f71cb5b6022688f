"""Middleware of the accounts app."""

from django.contrib.auth import SESSION_KEY

from .services import user_session_touch


class SessionActivityMiddleware:
    """Keep each signed-in session's "last active" time on the Security tab up to date.

    Runs after the view, so a session that was just signed in, or given a new key
    by a password change, is recorded under its final key. Writes at most once per
    ``ACCOUNTS_SESSION_ACTIVITY_INTERVAL`` seconds per session (the cache every process shares notes it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # SECURITY: only the session's own user; an API token may name someone else for this request.
        if user is not None and user.is_authenticated and request.session.get(SESSION_KEY) == str(user.pk):
            user_session_touch(request=request, user=user)
        return response
