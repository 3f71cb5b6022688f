"""Asking for the password again before sensitive actions ("sudo mode", as GitHub calls it).

Turning 2FA off and making new backup codes always ask for the password in their
own forms; filing an erasure request (and, later, downloading an export) goes
through ``recent_authentication_required`` or ``reauthentication_redirect``.
"""

import time
from functools import wraps

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import conf

SESSION_KEY = "privacy_authenticated_at"


def authentication_mark(request):
    """Record in the session that its user has just proved who they are (password, and code if 2FA)."""
    request.session[SESSION_KEY] = time.time()


def recently_authenticated(request):
    """Return whether this session's user proved who they are within ``ACCOUNTS_REAUTHENTICATE_AFTER_SECONDS``."""
    return time.time() - request.session.get(SESSION_KEY, 0) <= conf.REAUTHENTICATE_AFTER_SECONDS


def reauthentication_redirect(request):
    """Return a redirect to the password page, which comes back to this page afterwards."""
    return redirect(f"{reverse('accounts:confirm_password')}?{urlencode({'next': request.get_full_path()})}")


def recent_authentication_required(view):
    """Decorate a view so a session signed in too long ago is asked for its password first."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not recently_authenticated(request):
            return reauthentication_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper
