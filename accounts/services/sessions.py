"""Signed-in sessions: their rows on the Security tab, their activity, ending them, and sign-in and sign-out records."""

import datetime
import hashlib

from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.devices import user_agent_summary
from compliance.models import AuditEvent
from compliance.services import audit_record
from learnerportal.addresses import client_ip_address, ip_network

from .. import conf
from ..models import UserSession
from ..selectors import session_is_live
from .sign_in import user_lockout_clear

#: Where a session remembers when it was signed in (epoch seconds), so that its row
#: keeps that time when a password change gives the session a new key.
SIGNED_IN_AT_KEY = "accounts_signed_in_at"


def _activity_cache_key(session_key):
    # The session key is a credential: only its digest names the cache entry.
    return f"accounts:session-active:{hashlib.sha256(session_key.encode()).hexdigest()}"


def _user_session_save(*, request, user, now, created_at):
    """Write the row of the request's session (new or updated); note in the cache that it is fresh.

    Returns:
        the ``UserSession``, or None when another request created it at the same moment.
    """
    key = request.session.session_key
    device = {
        "user": user,
        "user_agent": user_agent_summary(request.META.get("HTTP_USER_AGENT", ""))[:100],
        # SECURITY: only the network is kept, never the full IP address.
        "network": ip_network(client_ip_address(request)),
        "last_seen_at": now,
    }
    try:
        with transaction.atomic():
            row, _ = UserSession.objects.update_or_create(
                session_id=key, defaults=device, create_defaults={**device, "created_at": created_at}
            )
    except IntegrityError:
        return None  # a concurrent request of the same session created the row first
    cache.set(_activity_cache_key(key), True, timeout=conf.SESSION_ACTIVITY_INTERVAL)
    return row


def user_session_start(*, request, user):
    """Record a new sign-in: the session's device summary, and an audit event.

    Called for every sign-in (``user_logged_in``), after Django has given the
    session a fresh key.

    Args:
        request: the sign-in request; its User-Agent and IP address are summarised
            (``accounts.devices``), not stored.
        user: who signed in.

    Returns:
        the ``UserSession``, or None for a request without a session.
    """
    if request is None or not hasattr(request, "session"):
        return None
    if request.session.session_key is None:
        request.session.save()  # login() after flush(): the new session has no key until saved
    now = timezone.now()
    request.session[SIGNED_IN_AT_KEY] = int(now.timestamp())
    row = _user_session_save(request=request, user=user, now=now, created_at=now)
    user_lockout_clear(user=user)
    audit_record(actor=user, subject=user, action=AuditEvent.Action.SIGNED_IN)
    return row


def user_session_touch(*, request, user):
    """Note that the request's session is active, writing at most once per ``SESSION_ACTIVITY_INTERVAL``.

    Also re-creates the row when the session has a new key (a password change
    cycles it) or has no row yet (signed in before sessions were listed). The
    throttle lives in the cache, not in the session: saving the session on
    activity would push its expiry back and so change how long sessions last.

    Args:
        request: a request of the signed-in ``user`` whose response is ready.
        user: the signed-in user.

    Returns:
        the updated ``UserSession``, or None when nothing needed writing.
    """
    key = request.session.session_key
    if key is None or cache.get(_activity_cache_key(key)):
        return None
    now = timezone.now()
    signed_in_at = request.session.get(SIGNED_IN_AT_KEY)
    created_at = datetime.datetime.fromtimestamp(signed_in_at, tz=datetime.UTC) if signed_in_at else now
    return _user_session_save(request=request, user=user, now=now, created_at=created_at)


@transaction.atomic
def user_sessions_end_others(*, actor, user, current_session_key):
    """Sign ``user`` out everywhere except the current session, and record it in the audit log.

    Their Django sessions are deleted, so the next request from any other device
    is anonymous.

    Args:
        actor: who asked (the user themself).
        user: whose sessions to end.
        current_session_key: the key of the session to keep.

    Returns:
        how many other sessions were active (unexpired) and are now ended.
    """
    others = Session.objects.filter(user_session__user=user).exclude(pk=current_session_key)
    ended = others.filter(expire_date__gt=timezone.now()).count()
    others.delete()  # their UserSession rows go with them
    UserSession.objects.filter(user=user).exclude(session_id=current_session_key).delete()
    audit_record(
        actor=actor, subject=user, action=AuditEvent.Action.SESSIONS_ENDED, changes={"other_sessions": [ended, 0]}
    )
    return ended


@transaction.atomic
def user_sessions_prune(*, user):
    """Delete the user's sessions that can no longer be used, with their rows.

    A session is dead when it has expired or when it was signed in with an
    earlier password (Django refuses it at its next request); rows whose Django
    session is already gone are deleted too.

    Args:
        user: whose sessions to check.

    Returns:
        how many rows were deleted.
    """
    now = timezone.now()
    dead = [
        session.pk
        for session in Session.objects.filter(user_session__user=user)
        if not session_is_live(session, user, now=now)
    ]
    _, deleted = Session.objects.filter(pk__in=dead).delete()
    orphans, _ = (
        UserSession.objects.filter(user=user)
        .exclude(Exists(Session.objects.filter(pk=OuterRef("session_id"))))
        .delete()
    )
    return deleted.get(UserSession._meta.label, 0) + orphans


def user_signed_out_record(*, user):
    """Record that ``user`` signed out of this session (nothing for an anonymous sign-out)."""
    if user is None or not user.is_authenticated:
        return None
    return audit_record(actor=user, subject=user, action=AuditEvent.Action.SIGNED_OUT)
