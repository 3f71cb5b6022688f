"""Writes of the accounts app: sign-up, profile changes, sessions and sign-in lockouts."""

import datetime
import hashlib
import secrets
from collections.abc import Mapping

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from compliance.models import AuditEvent
from compliance.services import audit_record
from learnerportal.addresses import client_ip_address, ip_network

from . import conf
from .backends import axes_username
from .devices import user_agent_summary
from .models import PersonalAccessToken, Profile, User, UserSession
from .photos import photo_normalize
from .selectors import access_account_credentials, session_is_live
from .tasks import send_account_notice

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


def login_failure_record(*, request, credentials):
    """Record a failed sign-in in the audit log of the account it was aimed at.

    Failures for a name that is no account record nothing (django-axes counts
    them). Attempts refused because the account or address is already locked
    out record nothing either, so hammering a locked account cannot flood the
    log; the lock-out itself is recorded once (``login_lockout_record``).

    Args:
        request: the sign-in request, or None.
        credentials: what ``authenticate()`` was given (Django has already
            masked the password); only the identifier is used, never stored.

    Returns:
        the ``AuditEvent``, or None when nothing was recorded.
    """
    if request is not None and getattr(request, "axes_locked_out", False):
        return None
    username = axes_username(request, credentials)
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        return None
    return audit_record(actor=None, subject=user, action=AuditEvent.Action.LOGIN_FAILED, changes={"step": "password"})


def user_signed_out_record(*, user):
    """Record that ``user`` signed out of this session (nothing for an anonymous sign-out)."""
    if user is None or not user.is_authenticated:
        return None
    return audit_record(actor=user, subject=user, action=AuditEvent.Action.SIGNED_OUT)


@transaction.atomic
def password_changed(*, user):
    """Record that ``user`` changed their password on the Security tab, and revoke their API tokens.

    Django's password change ends the other sessions (their auth hash no longer
    matches); whoever had the old password may also have made API tokens.

    Returns:
        how many API tokens were revoked.
    """
    audit_record(actor=user, subject=user, action=AuditEvent.Action.PASSWORD_CHANGED)
    return personal_access_tokens_revoke_all(actor=user, user=user)


@transaction.atomic
def password_reset_completed(*, user):
    """Finish a password reset by email: audit it, end every session, revoke every API token, lift the lockout.

    Whoever had the old password is signed out everywhere and loses any token they
    made; the owner, who proved control of the address, may sign in again at once.
    """
    audit_record(actor=user, subject=user, action=AuditEvent.Action.PASSWORD_RESET)
    sign_in_secure(user=user, current_session_key=None)
    user_lockout_clear(user=user)


@transaction.atomic
def sign_in_secure(*, user, current_session_key):
    """End every other session of ``user`` and revoke their API tokens, after their sign-in was made safer.

    Whoever had only the old password (or signed in before a second factor was
    required) is signed out everywhere, and loses any API token they made.

    Args:
        current_session_key: the session to keep (the one that made the change), or None to end all.

    Returns:
        int: how many API tokens were revoked.
    """
    user_sessions_end_others(actor=user, user=user, current_session_key=current_session_key)
    return personal_access_tokens_revoke_all(actor=user, user=user)


# Changes staff make to someone's account in admin (superusers only: access_account_credentials).


@transaction.atomic
def account_update(*, actor, user, fields):
    """Save the changes made to ``user``'s account in admin and record which fields changed.

    Args:
        actor: who made them; only an active superuser may (``access_account_credentials``).
        user: the account with its new values set (an admin form's validated instance).
        fields: names of the changed fields, e.g. ``["email", "groups"]``; the caller saves
            the many-to-many ones (groups, permissions) after this, in the same transaction.

    Returns:
        the saved ``User``.

    Raises:
        accounts.exceptions.AccountChangeRefused: ``actor`` may not; nothing is saved.
        django.core.exceptions.ValidationError: an invalid value; nothing is saved.
    """
    access_account_credentials(actor=actor, user=user, what="account details")
    user.full_clean()
    user.save()
    if fields:
        audit_record(
            actor=actor, subject=user, action=AuditEvent.Action.ACCOUNT_CHANGED, changes={"fields": sorted(fields)}
        )
    return user


@transaction.atomic
def account_password_set(*, actor, user, password):
    """Set ``user``'s password for them, or turn their password sign-in off.

    Sessions signed in with the old password stop working at their next request
    (Django's session hash); API tokens are revoked, since whoever had the old
    password may have made some; the owner is emailed when someone else did it,
    so a change they did not ask for is noticed.

    Args:
        actor: who sets it; only an active superuser may (``access_account_credentials``).
        user: whose password.
        password: the new raw password, already checked by the password validators;
            None turns password sign-in off.

    Returns:
        the saved ``User``.

    Raises:
        accounts.exceptions.AccountChangeRefused: ``actor`` may not; nothing changes.
    """
    access_account_credentials(actor=actor, user=user, what="password")
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, subject=user, action=AuditEvent.Action.PASSWORD_CHANGED)
    personal_access_tokens_revoke_all(actor=actor, user=user)
    if actor.pk != user.pk:
        transaction.on_commit(
            lambda: send_account_notice.enqueue(
                user_id=user.pk,
                subject="Your Learner Portal sign-in changed",
                what="A member of staff set a new password for your Learner Portal account.",
            )
        )
    return user


def account_change_refused_record(*, actor, user, attempt):
    """Record in ``user``'s audit log that ``actor`` tried to change their account and was refused.

    Args:
        actor: the staff member refused (``access_account_credentials``).
        user: whose account.
        attempt: what they tried, in the owner's words, e.g. ``"set your password"``;
            never the values they sent.

    Returns:
        the ``AuditEvent`` (GDPR Art. 5(2), 32(1)(b): accountability for attempts on accounts).
    """
    return audit_record(
        actor=actor, subject=user, action=AuditEvent.Action.ACCOUNT_CHANGE_REFUSED, changes={"attempt": attempt}
    )


# Personal access tokens for the REST API.

#: Lifetimes a learner may choose for a token, in days.
TOKEN_LIFETIME_DAYS = (30, 90, 365)
#: A token's "last used" time is written at most this often, in seconds.
TOKEN_LAST_USED_INTERVAL = 60
#: Ended (expired or revoked) tokens stay listed this many days, then are deleted.
TOKEN_KEEP_ENDED_DAYS = 90


def personal_access_token_digest(raw_token):
    """Return the hex SHA-256 digest under which ``raw_token`` is stored.

    A fast hash suffices: tokens carry 256 random bits, so there is nothing to guess.
    """
    return hashlib.sha256(raw_token.encode()).hexdigest()


@transaction.atomic
def personal_access_token_create(*, actor, user, name, scope, lifetime_days):
    """Make a personal access token for ``user`` and return it, in clear, this once.

    Args:
        actor: who makes it (the learner themself).
        user: whose account the token acts for.
        name: what it is for, 1–60 characters.
        scope: a ``PersonalAccessToken.Scope`` value.
        lifetime_days: one of ``TOKEN_LIFETIME_DAYS``.

    Returns:
        ``(token, raw_token)``: the saved ``PersonalAccessToken`` and the token
        text (``lpat_…``), which is not stored and cannot be shown again.

    Raises:
        django.core.exceptions.ValidationError: bad name, scope or lifetime.
    """
    if lifetime_days not in TOKEN_LIFETIME_DAYS:
        raise ValidationError({"lifetime_days": "Choose 30, 90 or 365 days."}, code="invalid_lifetime")
    raw_token = PersonalAccessToken.PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = PersonalAccessToken(
        user=user,
        name=name.strip(),
        scope=scope,
        digest=personal_access_token_digest(raw_token),
        hint=raw_token[:12],
        created_at=now,
        expires_at=now + datetime.timedelta(days=lifetime_days),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        subject=user,
        action=AuditEvent.Action.API_TOKEN_CREATED,
        changes={"token": token.hint, "scope": token.scope, "expires_in_days": lifetime_days},
    )
    return token, raw_token


@transaction.atomic
def personal_access_token_revoke(*, actor, token):
    """Revoke ``token`` at once: the next request that presents it is refused.

    Returns:
        the token; unchanged if it was already revoked.
    """
    token = PersonalAccessToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, subject=token.user, action=AuditEvent.Action.API_TOKEN_REVOKED, changes={"token": token.hint}
    )
    return token


@transaction.atomic
def personal_access_tokens_revoke_all(*, actor, user):
    """Revoke every one of ``user``'s tokens not yet revoked, each recorded in the audit log.

    For the moments the account is secured again (password changed or reset, two-factor
    authentication turned on): whoever had the password may have made tokens, and a token
    outlives the sessions that are ended then.

    Returns:
        how many tokens were revoked (expired ones included, so none can come back).
    """
    tokens = list(PersonalAccessToken.objects.filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        personal_access_token_revoke(actor=actor, token=token)
    return len(tokens)


def personal_access_token_authenticate(raw_token):
    """Return the usable token whose text is ``raw_token``, noting its use; None if there is none.

    None for a malformed, unknown, revoked or expired token, or one whose owner's
    account is inactive. ``last_used_at`` is written at most once a minute per token.

    Returns:
        ``PersonalAccessToken`` with ``user`` loaded, or None.
    """
    if not isinstance(raw_token, str) or not raw_token.startswith(PersonalAccessToken.PREFIX) or len(raw_token) > 100:
        return None
    token = (
        PersonalAccessToken.objects.select_related("user")
        .filter(digest=personal_access_token_digest(raw_token))
        .first()
    )
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= TOKEN_LAST_USED_INTERVAL:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def personal_access_tokens_prune(*, user=None):
    """Delete tokens that expired or were revoked more than ``TOKEN_KEEP_ENDED_DAYS`` days ago.

    The retention the registry declares for tokens (storage limitation, GDPR Art. 5(1)(e)):
    run for everyone daily (``manage.py api_tokens_prune``), and for one learner when they
    open their Security tab.

    Args:
        user: whose tokens; None for every account's.

    Returns:
        how many were deleted.
    """
    limit = timezone.now() - datetime.timedelta(days=TOKEN_KEEP_ENDED_DAYS)
    tokens = PersonalAccessToken.objects.filter(Q(revoked_at__lt=limit) | Q(expires_at__lt=limit))
    deleted, _ = (tokens if user is None else tokens.filter(user=user)).delete()
    return deleted
