"""Middleware of the accounts app."""

from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone, translation

from .languages import chosen_language
from .services import user_session_touch
from .timezones import user_timezone
from .two_factor import PENDING_SESSION_KEY, two_factor_login_pending_user


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


class LearnerTimeZoneMiddleware:
    """Write the times of a signed-in learner's pages in their own time zone (``accounts.timezones``).

    The admin site stays in the platform's time zone: staff compare deadlines across learners.
    Needs no query: the session's user comes with its profile (``UsernameOrEmailBackend.get_user``).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix = None

    def __call__(self, request):
        if self._admin_prefix is None:
            self._admin_prefix = reverse("admin:index")
        user = getattr(request, "user", None)
        if request.path.startswith(self._admin_prefix):
            return self.get_response(request)
        # A visitor's request may still be an API client's, whose token the API's authentication
        # reads later and then activates its owner's zone: the override ends that with the request.
        zone = user_timezone(user) if user is not None and user.is_authenticated else None
        with timezone.override(zone):
            return self.get_response(request)


class LearnerLanguageMiddleware:
    """Write a signed-in user's pages in the language they chose on Settings → Account.

    From the code step of signing in on, too: once the password is right, the code step, its
    passkey scripts' messages and the recovery pages are in the language of the account waiting
    there (``two_factor_login_pending_user``), whatever the browser asks for.

    Comes after ``LocaleMiddleware`` (which has chosen from the language cookie of the visitors'
    switcher, ``Accept-Language`` or the platform's default) and after authentication; a user who
    chose no language keeps that choice. Activated for the rest of the request, not in a ``with``
    block, so that ``LocaleMiddleware`` names it in the answer's ``Content-Language``. Applies to
    the admin site too: its own words follow the staff member's language; its times do not.
    Needs no query: the session's user comes with its profile (``UsernameOrEmailBackend.get_user``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated and PENDING_SESSION_KEY in request.session:
            user = two_factor_login_pending_user(request)
        language = chosen_language(user) if user is not None and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
