"""Writes of the accounts app: sign-up, profile changes, sessions and sign-in lockouts."""

import datetime
import hashlib
from collections.abc import Mapping

from axes.models import AccessAttempt
from axes.utils import get_client_ip_address
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from privacy.models import AuditEvent
from privacy.services import audit_record

from . import conf
from .devices import ip_network, user_agent_summary
from .models import Profile, User, UserSession
from .photos import photo_normalize
from .selectors import session_is_live

#: Profile fields a learner edits on the Account tab (the photo is handled apart).
PROFILE_EDITABLE_FIELDS = (
    "full_name",
    "bio",
    "phone",
    "date_of_birth",
    "country",
    "education_level",
    "occupation",
    "timezone",
)


def profile_changes_validate(*, user, changes: Mapping[str, str]):
    """Check proposed profile changes with the Account tab's own rules, saving nothing.

    Used for rectification requests (GDPR Art. 16), so that a correction asked
    for is one the learner could have made themself.

    Args:
        user: whose profile the changes are for.
        changes: ``{field: new value as text}`` for some ``PROFILE_EDITABLE_FIELDS``;
            "" clears a field.

    Returns:
        ``{field: cleaned value}`` (e.g. a ``date`` for ``date_of_birth``).

    Raises:
        django.core.exceptions.ValidationError: with ``message_dict`` naming each
            refused field.
    """
    from .forms import ProfileForm  # the form imports this module

    profile = Profile.objects.get(user=user)
    current = ProfileForm(instance=profile)
    data = {name: current[name].value() or "" for name in PROFILE_EDITABLE_FIELDS} | dict(changes)
    form = ProfileForm(data=data, instance=profile)
    form.is_valid()
    errors = {name: form.errors[name] for name in changes if name in form.errors}
    if errors:
        raise ValidationError(errors)
    return {name: form.cleaned_data[name] for name in changes}


@transaction.atomic
def user_create(*, username, email, password, full_name=""):
    """Create a learner account with an empty, entirely private profile.

    Args:
        username: public handle, validated by ``accounts.models.username_validator``.
        email: unique (case-insensitive) email address.
        password: the raw password, already checked by the password validators.
        full_name: optional full name for the profile.

    Returns:
        the new ``User``; its profile exists and every field is private
        (GDPR Art. 25(2)).

    Raises:
        django.core.exceptions.ValidationError: for a taken or invalid username/email.
    """
    user = User(username=username, email=email)
    user.set_password(password)
    user.full_clean()
    user = User.objects.create_user(username=username, email=email, password=password)
    if full_name:
        user.profile.full_name = full_name
        user.profile.full_clean()
        user.profile.save(update_fields=["full_name", "updated_at"])
    audit_record(actor=user, subject=user, action=AuditEvent.Action.SIGNED_UP)
    return user


@transaction.atomic
def profile_update(*, actor, user, data: Mapping, photo=None, remove_photo=False):
    """Apply a learner's changes to their profile (self-service rectification, GDPR Art. 16).

    Args:
        actor: who makes the change (the learner, or staff on their behalf).
        user: whose profile to change.
        data: new values for some of ``PROFILE_EDITABLE_FIELDS``; other keys are refused.
        photo: an uploaded image replacing the current photo, or None.
        remove_photo: True to remove the current photo (ignored when ``photo`` is given).

    Returns:
        the saved ``Profile``. A replaced or removed photo file is deleted from
        storage after the transaction commits.

    Raises:
        ValueError: for a key outside ``PROFILE_EDITABLE_FIELDS``.
        django.core.exceptions.ValidationError: for invalid values; nothing is saved.
        accounts.exceptions.InvalidPhoto: for an unacceptable photo; nothing is saved.
    """
    unknown = set(data) - set(PROFILE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on the profile: {', '.join(sorted(unknown))}")
    profile = Profile.objects.select_for_update().get(user=user)
    changed = [name for name, value in data.items() if getattr(profile, name) != value]
    for name in changed:
        setattr(profile, name, data[name])
    profile.full_clean(exclude=["photo"])
    storage = profile.photo.storage
    old_photo = profile.photo.name if profile.photo else ""
    photo_action = None
    if photo is not None:
        normalized = photo_normalize(photo)
        profile.photo.save(normalized.name, normalized, save=False)
        photo_action = AuditEvent.Action.PHOTO_CHANGED
    elif remove_photo and old_photo:
        profile.photo = ""
        photo_action = AuditEvent.Action.PHOTO_REMOVED
    try:
        profile.save()
        if changed:
            audit_record(
                actor=actor, subject=user, action=AuditEvent.Action.PROFILE_UPDATED, changes={"fields": changed}
            )
        if photo_action:
            audit_record(actor=actor, subject=user, action=photo_action)
    except DatabaseError:
        # SECURITY: a photo whose record was never saved must not linger in storage.
        if photo is not None:
            storage.delete(profile.photo.name)
        raise
    if photo_action and old_photo:
        transaction.on_commit(lambda: storage.delete(old_photo))
    return profile


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
        "network": ip_network(get_client_ip_address(request)),
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


def user_lockout_clear(*, user):
    """Forget the failed sign-ins against ``user``'s account (only theirs, never an IP's).

    Called after a successful sign-in and after a password reset by email, which
    proves control of the account's address.
    """
    axes_reset(username=user.username)


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


def login_lockout_record(*, username):
    """Record in an account's audit log that its sign-in was locked after repeated failures.

    Recorded once per lock-out: when the account's own failures within the
    cool-off period reach ``AXES_FAILURE_LIMIT``. Failures for a name that is no
    account, and lock-outs of an IP address, record nothing.

    Args:
        username: the canonical username django-axes counted the failure against
            (``accounts.backends.axes_username``).

    Returns:
        the ``AuditEvent``, or None when nothing was recorded.
    """
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        return None
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    if failures != settings.AXES_FAILURE_LIMIT:
        return None
    return audit_record(actor=None, subject=user, action=AuditEvent.Action.LOGIN_LOCKED_OUT)


def password_changed(*, user):
    """Record that ``user`` changed their password on the Security tab (Django ends their other sessions)."""
    audit_record(actor=user, subject=user, action=AuditEvent.Action.PASSWORD_CHANGED)


@transaction.atomic
def password_reset_completed(*, user):
    """Finish a password reset by email: audit it, end every session, lift the account's lockout.

    Whoever had the old password is signed out everywhere; the owner, who proved
    control of the address, may sign in again at once.
    """
    audit_record(actor=user, subject=user, action=AuditEvent.Action.PASSWORD_RESET)
    user_sessions_end_others(actor=user, user=user, current_session_key=None)
    user_lockout_clear(user=user)
