"""Reads of the accounts app."""

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .models import Enrollment, UserSession


def enrollments_of(user):
    """Return the user's enrollments, newest first, with course and partner loaded.

    Returns:
        QuerySet of ``Enrollment``.
    """
    return Enrollment.objects.filter(user=user).select_related("course__partner").order_by("-enrolled_at", "pk")


def session_is_live(session, user, *, now=None):
    """Return True when a Django session is unexpired and still signs ``user`` in.

    A session signed in before the password changed is dead: Django refuses its
    stored hash at its next request (``django.contrib.auth.get_user``).

    Args:
        session: a ``django.contrib.sessions.models.Session``.
        user: the user it should belong to.
        now: the time to compare the expiry with; defaults to now.
    """
    if session.expire_date <= (now or timezone.now()):
        return False
    data = session.get_decoded()
    if data.get(SESSION_KEY) != user._meta.pk.value_to_string(user):
        return False
    stored_hash = data.get(HASH_SESSION_KEY) or ""
    valid_hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored_hash, valid) for valid in valid_hashes)


def active_sessions_of(user, *, current_session_key=None):
    """Return the user's sessions that can still be used, the current one first, then the latest active.

    Args:
        user: whose sessions.
        current_session_key: the key of the session making the request, if any.

    Returns:
        list of ``UserSession`` (with ``session`` loaded), each with ``is_current``
        set.
    """
    now = timezone.now()
    rows = [
        row
        for row in UserSession.objects.filter(user=user, session__expire_date__gt=now).select_related("session")
        if session_is_live(row.session, user, now=now)
    ]
    for row in rows:
        row.is_current = row.session_id == current_session_key
    return sorted(rows, key=lambda row: not row.is_current)
