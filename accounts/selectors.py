"""Reads of the accounts app."""

import datetime
import math

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Count, Window
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django_otp_webauthn.models import WebAuthnCredential

from compliance.models import AuditEvent
from compliance.regimes import STATE_COUNTRY, RegimeKey, regime, regime_for_place

from .exceptions import AccountChangeRefused
from .models import (
    AccountRecovery,
    BackupCode,
    BackupCodeDevice,
    Course,
    Enrollment,
    PersonalAccessToken,
    Profile,
    SignupConfirmation,
    TOTPDevice,
    UserSession,
    signup_token_digest,
)


def enrollments_of(user, *, limit=None):
    """Return the user's enrollments, newest first, with course and partner loaded, and how many there are.

    One query: the total rides on each row (a window count), so a dashboard can
    show the newest ``limit`` and say how many more there are without a second one.

    Args:
        limit: the most enrollments to return; None returns them all.

    Returns:
        ``(enrollments, total)``: a list of ``Enrollment``, and the count of all of them.
    """
    enrollments = (
        Enrollment.objects.filter(user=user)
        .select_related("course__partner")
        .annotate(total=Window(Count("pk")))
        .order_by("-enrolled_at", "pk")
    )
    rows = list(enrollments if limit is None else enrollments[:limit])
    return rows, rows[0].total if rows else 0


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


def courses_newest(*, limit):
    """Return the catalogue's most recently added courses, newest first, with partner loaded.

    Catalogue data only: nothing about any learner.

    Args:
        limit: how many courses at most (int > 0).

    Returns:
        list of ``Course``.
    """
    return list(Course.objects.select_related("partner").order_by("-created_at", "-pk")[:limit])


def personal_access_tokens_of(user):
    """Return the user's API tokens for the Security tab: usable ones first, each group newest first.

    Returns:
        list of ``PersonalAccessToken``, each with ``is_active`` set (not revoked, not expired).
    """
    now = timezone.now()
    tokens = list(PersonalAccessToken.objects.filter(user=user).order_by("-created_at", "-pk"))
    for token in tokens:
        token.is_active = token.is_usable(now)
    return sorted(tokens, key=lambda token: not token.is_active)


def access_own_token(*, user, token_id):
    """Return the API token ``token_id`` if it belongs to ``user``.

    Raises:
        Http404: for an unknown id or another learner's token — the same answer.
    """
    token = PersonalAccessToken.objects.filter(pk=token_id, user_id=user.pk).first()
    if token is None:
        raise Http404("No such token.")
    return token


def access_account_credentials(*, actor, user, what):
    """Allow ``actor`` to change ``user``'s sign-in details, identity or rights on their behalf, or raise.

    Covers the username, email, password, second factors, active status, staff and
    superuser status, groups and permissions. Only an active superuser changes them
    for someone, whoever the account belongs to (a learner, staff, a superuser):
    a staff member with Django's "change user" permission could otherwise set a
    superuser's password or email and sign in as them. Learners' profile data is
    corrected through rectification requests (GDPR Art. 16); an owner changes their
    own password and second factors on the Security and Privacy tabs, which ask for
    the current password and a code, not through this check.

    Args:
        actor: who would make the change.
        user: whose account would change.
        what: what would change, e.g. ``"password"``; the error's ``field``.

    Raises:
        AccountChangeRefused: ``actor`` is not an active superuser.
    """
    detail = gettext("Only a superuser changes someone's sign-in details, identity or rights.")
    # SECURITY: one rule for every path that changes an account for someone else: admin pages,
    # admin actions and services all ask here (account takeover by staff with "change user").
    if not actor.is_active:
        raise AccountChangeRefused(detail, field=what)
    if not actor.is_superuser:
        raise AccountChangeRefused(detail, field=what)


# Two-factor authentication.


def authenticators_in_use():
    """Return the QuerySet of confirmed authenticator apps (``TOTPDevice``), of every user."""
    return TOTPDevice.objects.filter(confirmed=True)


def backup_codes_unused():
    """Return the QuerySet of unused backup codes of confirmed sets, of every user."""
    return BackupCode.objects.filter(device__confirmed=True, used_at__isnull=True)


def two_factor_enabled(user):
    """Return whether ``user`` must give a code after the password (has a confirmed TOTP device)."""
    return authenticators_in_use().filter(user=user).exists()


def passkeys_of(user):
    """Return ``user``'s passkeys, oldest first: a list of ``WebAuthnCredential`` (name, created_at, last_used_at)."""
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk"))


def access_own_passkey(*, user, passkey_id, for_update=False):
    """Return the passkey ``passkey_id`` if it belongs to ``user``.

    Args:
        for_update: lock its row (inside a transaction) against a change racing this one.

    Raises:
        Http404: for an unknown id or another learner's passkey — the same answer.
    """
    passkeys = WebAuthnCredential.objects.filter(pk=passkey_id, user_id=user.pk)
    passkey = (passkeys.select_for_update() if for_update else passkeys).first()
    if passkey is None:
        raise Http404("No such passkey.")
    return passkey


def backup_codes_left(user):
    """Return how many unused backup codes ``user`` has (0 when 2FA is off)."""
    return backup_codes_unused().filter(device__user=user).count()


def two_factor_device_for(*, user, token):
    """Return ``user``'s confirmed device that checks ``token``, or None.

    A 6-digit token is a code from the authenticator app (``TOTPDevice``); anything
    else is a backup code (``BackupCodeDevice``). Each device throttles its own
    wrong codes (django-otp), so neither counts the other's.
    """
    token = "".join(str(token).split())
    model = TOTPDevice if token.isdigit() and len(token) == 6 else BackupCodeDevice
    return model.objects.filter(user=user, confirmed=True).first()


def two_factor_pause(*, user, token):
    """Return the seconds until the device that checks ``token`` accepts codes again; 0 when it does now.

    django-otp's throttling makes each wrong code double the wait before the next
    is checked (1, 2, 4 … seconds, times the device's factor); a code sent during
    the wait is refused unchecked, and a backup code is not used up.
    """
    device = two_factor_device_for(user=user, token=token)
    return 0 if device is None else device_pause(device)


def device_pause(device):
    """Return the seconds until django-otp ``device`` checks codes again (0: it does now); see ``two_factor_pause``."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return 0
    locked_until = (data or {}).get("locked_until")
    if locked_until is None:
        return 60  # refused for a reason without an end (django-otp gives none): say "a minute", not "now"
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))


def signup_confirmation_for(token):
    """Return the sign-up waiting for the link with ``token``, or None when it is unknown, used or expired.

    Args:
        token: the token from the link (``signup_request``).

    Returns:
        ``SignupConfirmation`` or None.
    """
    return SignupConfirmation.objects.filter(digest=signup_token_digest(token), expires_at__gt=timezone.now()).first()


def account_recovery_waiting(user):
    """Return ``user``'s recovery whose waiting period is running, or None: what every signed-in page tells them.

    Returns:
        ``AccountRecovery`` with ``completes_at`` set, or None.
    """
    if user is None or not user.is_authenticated:
        return None
    return AccountRecovery.objects.filter(user=user, status=AccountRecovery.Status.WAITING).first()


def account_recovery_event_description(event):
    """Return one sentence telling the learner what a step of an account recovery in their audit log was.

    For the account activity page (``compliance.selectors.audit_description_register``): times in the
    active time zone, named.

    Args:
        event: an ``AuditEvent`` whose action is one of ``RECOVERY_REQUESTED``, ``_STARTED``, ``_CANCELLED``,
            ``_COMPLETED``.

    Returns:
        str.
    """
    changes = event.changes or {}
    action = event.action
    if action == AuditEvent.Action.RECOVERY_REQUESTED:
        return gettext(
            "Someone who knew your password asked to recover your account without its second factors; "
            "we emailed you a link."
        )
    if action == AuditEvent.Action.RECOVERY_STARTED:
        if not changes.get("completes_at"):
            return f"{event.get_action_display()}."
        when = datetime.datetime.fromisoformat(changes["completes_at"])
        return gettext(
            "The recovery link we emailed you was followed: your second factors are removed on %(when)s "
            "unless you cancel."
        ) % {"when": date_format(timezone.localtime(when), gettext("j M Y, H:i T"))}
    if action == AuditEvent.Action.RECOVERY_CANCELLED:
        return gettext("You cancelled the recovery of your account; nothing was removed.")
    removed = changes.get("second_factors_removed", 0)
    return ngettext(
        "The recovery's waiting period ended: %(count)s second factor was removed, every session signed out "
        "and every API token revoked.",
        "The recovery's waiting period ended: %(count)s second factors were removed, every session signed out "
        "and every API token revoked.",
        removed,
    ) % {"count": removed}


def learner_regime(user):
    """Return the data-protection regime that applies to ``user`` now (``compliance.regimes.Regime``).

    The one recorded by staff when there is one (``profile_regime_override``), else the
    one of the learner's country and, in the United States, state
    (``compliance.regimes.regime_for_place``); a user without a profile gets the
    platform's standard.
    """
    profile = _profile_of(user)
    return regime(RegimeKey.DEFAULT) if profile is None else profile_regime(profile)


def _profile_of(user):
    """Return ``user``'s profile (the one loaded with the user when it was, else read), or None."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def profile_regime(profile):
    """Return the regime that applies to the owner of ``profile`` (a ``Profile``), as ``learner_regime`` says."""
    if profile.regime_override:
        return regime(profile.regime_override)
    return regime(regime_for_place(profile.country.code or "", profile.us_state))


def learner_regime_asking_state(user):
    """Return ``(regime, asks_state)`` of ``user`` in one query: ``learner_regime``, and whether to ask their state.

    ``asks_state`` is True for a learner in the United States who has not said in which state
    (their law depends on it) and whose regime staff have not recorded.
    """
    profile = _profile_of(user)
    if profile is None:
        return regime(RegimeKey.DEFAULT), False
    asks_state = profile.country.code == STATE_COUNTRY and not profile.us_state and not profile.regime_override
    return profile_regime(profile), asks_state
