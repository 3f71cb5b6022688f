"""Recovering an account whose every second factor is lost: asked for, started by an emailed link, a waiting
period its owner may cancel, then every second factor removed.

The steps (``AccountRecovery``):

1. ``account_recovery_request``: at the sign-in's code step, after the right password, "I can't use any
   of my methods" emails the account's address a link (and nothing else happens);
2. ``account_recovery_start``: following the link starts the waiting period
   (``ACCOUNTS_RECOVERY_WAIT_SECONDS``); the owner is emailed a one-click cancel link, and every
   signed-in page of the account shows a banner with a cancel button;
3. ``account_recovery_cancel`` (signed in) or ``account_recovery_cancel_by_link`` (the emailed link):
   the owner ends it; nothing is removed;
4. ``account_recovery_complete``, once ``completes_at`` has passed (``account_recoveries_complete_due``,
   run by ``manage.py account_recoveries_run`` every few minutes, and ``account_recovery_sign_in`` at
   each password sign-in): every second factor of every kind is removed, every session ended, every API
   token revoked; signing in with the password then asks to set two-factor authentication up again.

Whoever knows only the password cannot remove a second factor sooner than the waiting period, and
the owner is emailed at the first step (GDPR Art. 32(1)(b): the sign-in's security holds even
when a factor is lost). The waiting period is at least a day (system check ``accounts.E001``).
Every step writes an audit row and emails the owner, in their language. A sign-in with a second
factor during the waiting period does not cancel it: the owner cancels explicitly, from the
banner every page then shows.
"""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, pgettext
from django_otp import devices_for_user

from compliance.models import AuditEvent
from compliance.services import audit_record
from learnerportal.addresses import client_limit_key
from learnerportal.counters import cache_increment

from . import conf
from .exceptions import RecoveryLinkInvalid
from .languages import in_language_and_time_zone_of
from .models import AccountRecovery, User
from .services import sign_in_change_tell, sign_in_secure
from .tasks import send_account_notice
from .tokens import recovery_cancel_token_generator, recovery_start_token_generator

#: The subject of the emails about a recovery that carry no link (cancelled, completed).
RECOVERY_SUBJECT = gettext_noop("Recovery of your Learner Portal account")


def _absolute(path):
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _when(moment):
    """Return ``moment`` as its reader reads it (inside ``in_language_and_time_zone_of``): "3 Dec 2026, 09:00 CET"."""
    return date_format(timezone.localtime(moment), gettext("j M Y, H:i T"))


def _second_factors(user):
    """Return every second factor of ``user``, of every kind django-otp knows (apps, passkeys, backup codes)."""
    return list(devices_for_user(user, confirmed=None))


def _request_allowed(*, request, user):
    """Count one recovery request against the account and the network; return whether both are within limits."""
    window = conf.RECOVERY_REQUESTS_WINDOW_SECONDS
    # The keys are keyed hashes: the cache holds neither an account id nor an address in clear.
    account = salted_hmac("accounts.recovery-requests", str(user.pk), algorithm="sha256").hexdigest()
    network = salted_hmac("accounts.recovery-requests", client_limit_key(request) or "", algorithm="sha256").hexdigest()
    # Both are counted, so that a network that hammers many accounts is stopped, and one account from many networks.
    for_account = cache_increment(f"accounts:recovery-requests:account:{account}", timeout=window)
    for_network = cache_increment(f"accounts:recovery-requests:network:{network}", timeout=window)
    return for_account <= conf.RECOVERY_REQUESTS_PER_ACCOUNT and for_network <= conf.RECOVERY_REQUESTS_PER_NETWORK


def _send_after_commit(*, user, subject, body):
    """Send one email with a link to ``user``'s address straight after the commit (the link is stored nowhere)."""
    email = user.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))


def account_recovery_request(*, request, user):
    """Email ``user``'s address a link that starts a recovery of the account without its second factors.

    For the sign-in's code step, after the right password: the caller answers the same
    whatever happened, so a guessed password learns nothing more here. Nothing is sent,
    with the same answer, when the account has no second factor, when a waiting period
    already runs (its owner has been told and holds the cancel link), or beyond
    ``ACCOUNTS_RECOVERY_REQUESTS_PER_ACCOUNT`` / ``_PER_NETWORK`` requests per
    ``ACCOUNTS_RECOVERY_REQUESTS_WINDOW_SECONDS``. A request while a link is out replaces
    that link (the older one stops working).

    Args:
        request: the code step's request (its network is counted, never stored).
        user: the account waiting at the code step.

    Returns:
        None: the caller must not branch on what happened.
    """
    if not _request_allowed(request=request, user=user):
        return
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)  # one request of an account at a time
        if not _second_factors(user):
            return
        recovery = AccountRecovery.objects.filter(user=user, status__in=AccountRecovery.OPEN).first()
        if recovery is not None and recovery.status == AccountRecovery.Status.WAITING:
            return
        now = timezone.now()
        if recovery is None:
            recovery = AccountRecovery(user=user, requested_at=now)
        recovery.requested_at = now
        recovery.full_clean()
        recovery.save()
        audit_record(actor=None, subject=user, action=AuditEvent.Action.RECOVERY_REQUESTED)
        path = reverse(
            "accounts:recovery_start",
            kwargs={"recovery_id": recovery.pk, "token": recovery_start_token_generator.make_token(recovery)},
        )
        with in_language_and_time_zone_of(user):
            body = gettext(
                "Hello,\n\nSomeone signed in to your Learner Portal account with its password and said they can use "
                "none of its second factors (authenticator app, passkeys, backup codes).\n\nIf that was you, open "
                "this link within %(hours)s hours to start recovering your account:\n\n%(link)s\n\nThe recovery then "
                "waits %(wait)s hours before it removes your second factors, so that you can cancel it if it was not "
                "you; until then your account stays as it is.\n\nIf it was not you, do not open the link: someone "
                "knows your password. Change it on Settings → Security, or reset it here:\n\n%(reset)s\n\n"
                "-- Learner Portal\n"
            ) % {
                "hours": conf.RECOVERY_LINK_SECONDS // 3600,
                "link": _absolute(path),
                "wait": conf.RECOVERY_WAIT_SECONDS // 3600,
                "reset": _absolute(reverse("accounts:password_reset")),
            }
            subject = pgettext("email subject", "Someone asked to recover your account without its second factor")
        _send_after_commit(user=user, subject=subject, body=body)


def account_recovery_for_link(*, recovery_id, token, generator):
    """Return the recovery whose emailed link is ``recovery_id`` and ``token``, if the link is live.

    Args:
        generator: ``recovery_start_token_generator`` or ``recovery_cancel_token_generator``.

    Raises:
        RecoveryLinkInvalid: no such recovery, or the link was changed, used, replaced or has expired.
    """
    recovery = AccountRecovery.objects.select_related("user").filter(pk=recovery_id).first()
    if recovery is None or not generator.check_token(recovery, token):
        raise RecoveryLinkInvalid(gettext("This link does not work any more."))
    return recovery


@transaction.atomic
def account_recovery_start(*, recovery_id, token):
    """Start the waiting period of the recovery whose emailed link was followed.

    Fixes ``completes_at`` to now + ``ACCOUNTS_RECOVERY_WAIT_SECONDS`` (a later change of the
    setting does not move it), and emails the owner a one-click cancel link. From now on
    every signed-in page of the account tells of it (``account_recovery_waiting``).

    Returns:
        the ``AccountRecovery``, waiting.

    Raises:
        RecoveryLinkInvalid: as ``account_recovery_for_link``, or the link was already followed.
    """
    found = account_recovery_for_link(recovery_id=recovery_id, token=token, generator=recovery_start_token_generator)
    recovery = AccountRecovery.objects.select_for_update().select_related("user").get(pk=found.pk)
    if recovery.status != AccountRecovery.Status.REQUESTED:  # SECURITY: single use, also under a race
        raise RecoveryLinkInvalid(gettext("This link does not work any more."))
    now = timezone.now()
    recovery.status = AccountRecovery.Status.WAITING
    recovery.started_at = now
    recovery.completes_at = now + datetime.timedelta(seconds=conf.RECOVERY_WAIT_SECONDS)
    recovery.full_clean()
    recovery.save(update_fields=["status", "started_at", "completes_at"])
    user = recovery.user
    audit_record(
        actor=None,
        subject=user,
        action=AuditEvent.Action.RECOVERY_STARTED,
        changes={"completes_at": recovery.completes_at.isoformat()},
    )
    path = reverse(
        "accounts:recovery_cancel_link",
        kwargs={"recovery_id": recovery.pk, "token": recovery_cancel_token_generator.make_token(recovery)},
    )
    with in_language_and_time_zone_of(user):
        body = gettext(
            "Hello,\n\nA recovery of your Learner Portal account without its second factors started on "
            "%(started)s.\n\nOn %(completes)s, unless you cancel it, every second factor of your account "
            "(authenticator app, passkeys, backup codes) will be removed, every session signed out and every API "
            "token revoked. You will then sign in with your password and set up two-factor authentication "
            "again.\n\nIf this was not you, cancel it now with one click:\n\n%(link)s\n\nand change your password: "
            "someone knows it. You can also cancel it from any page of the portal while you are signed in.\n\n"
            "-- Learner Portal\n"
        ) % {"started": _when(now), "completes": _when(recovery.completes_at), "link": _absolute(path)}
        subject = pgettext("email subject", "A recovery of your account started: cancel it if it was not you")
    _send_after_commit(user=user, subject=subject, body=body)
    return recovery


def _cancel(*, actor, recovery):
    """Cancel ``recovery`` (locked, waiting): audit row, email. Return it."""
    recovery.status = AccountRecovery.Status.CANCELLED
    recovery.ended_at = timezone.now()
    recovery.save(update_fields=["status", "ended_at"])
    audit_record(actor=actor, subject=recovery.user, action=AuditEvent.Action.RECOVERY_CANCELLED)
    what = gettext_noop(
        "The recovery of your Learner Portal account without its second factors was cancelled. Your second "
        "factors, sessions and API tokens stay as they were."
    )
    transaction.on_commit(
        lambda: send_account_notice.enqueue(user_id=recovery.user_id, subject=RECOVERY_SUBJECT, what=what)
    )
    return recovery


@transaction.atomic
def account_recovery_cancel(*, actor, user):
    """Cancel ``user``'s open recovery, from a signed-in page (the banner, the Security tab).

    Args:
        actor: who cancels: the account's owner, signed in (so holding a second factor or
            a session made with one).
        user: whose recovery.

    Returns:
        the cancelled ``AccountRecovery``, or None when none was open (already cancelled or completed).
    """
    recovery = (
        AccountRecovery.objects.select_for_update()
        .select_related("user")
        .filter(user=user, status__in=AccountRecovery.OPEN)
        .first()
    )
    if recovery is None:
        return None
    return _cancel(actor=actor, recovery=recovery)


@transaction.atomic
def account_recovery_cancel_by_link(*, recovery_id, token):
    """Cancel the recovery whose emailed one-click cancel link was followed.

    Returns:
        the cancelled ``AccountRecovery``.

    Raises:
        RecoveryLinkInvalid: as ``account_recovery_for_link`` (a cancelled or completed recovery's link is used up).
    """
    found = account_recovery_for_link(recovery_id=recovery_id, token=token, generator=recovery_cancel_token_generator)
    recovery = AccountRecovery.objects.select_for_update().select_related("user").get(pk=found.pk)
    if recovery.status != AccountRecovery.Status.WAITING:
        raise RecoveryLinkInvalid(gettext("This link does not work any more."))
    return _cancel(actor=recovery.user, recovery=recovery)


@transaction.atomic
def account_recovery_complete(*, recovery_id):
    """Complete a recovery whose waiting period is over: remove every second factor, end every session, revoke tokens.

    Every django-otp device of the account goes, whatever its kind (authenticator apps,
    passkeys, backup codes). Nobody can complete a recovery earlier: the time is checked
    here, under the recovery's lock, against the ``completes_at`` fixed when it started.

    Args:
        recovery_id: the ``AccountRecovery``'s id.

    Returns:
        bool: whether it was completed now (False: not waiting, or its time has not come).
    """
    recovery = (
        AccountRecovery.objects.select_for_update()
        .select_related("user")
        .filter(pk=recovery_id, status=AccountRecovery.Status.WAITING)
        .first()
    )
    now = timezone.now()
    # SECURITY: the waiting period is the whole protection against someone with only the password.
    if recovery is None or recovery.completes_at > now:
        return False
    user = recovery.user
    removed = _second_factors(user)
    for device in removed:
        device.delete()
    recovery.status = AccountRecovery.Status.COMPLETED
    recovery.ended_at = now
    recovery.save(update_fields=["status", "ended_at"])
    audit_record(
        actor=None,
        subject=user,
        action=AuditEvent.Action.RECOVERY_COMPLETED,
        changes={"second_factors_removed": len(removed)},
    )
    sign_in_secure(user=user, current_session_key=None)
    sign_in_change_tell(
        user=user,
        what=gettext_noop(
            "The waiting period of the recovery of your Learner Portal account is over: its second factors were "
            "removed, every session was signed out and every API token revoked. Sign in with your password and set "
            "up two-factor authentication again."
        ),
    )
    return True


def account_recoveries_complete_due(*, user=None):
    """Complete every recovery whose waiting period is over (``account_recovery_complete``), one transaction each.

    Args:
        user: only this account's (at its sign-in), or None for every account's (the scheduled job).

    Returns:
        int: how many were completed.
    """
    due = AccountRecovery.objects.filter(status=AccountRecovery.Status.WAITING, completes_at__lte=timezone.now())
    if user is not None:
        due = due.filter(user=user)
    return sum(account_recovery_complete(recovery_id=pk) for pk in due.values_list("pk", flat=True))


def account_recovery_sign_in(*, user):
    """At ``user``'s password sign-in: complete a recovery that is due; return whether to ask to set 2FA up again.

    The recovery completes to the second, whether or not the scheduled job has run. The answer is
    True once per completed recovery, at the first sign-in after it, when no second factor was set up
    since; that sign-in needs no code (the factors are gone).

    Returns:
        bool.
    """
    account_recoveries_complete_due(user=user)
    with transaction.atomic():
        recovery = (
            AccountRecovery.objects.select_for_update()
            .filter(user=user, status=AccountRecovery.Status.COMPLETED, setup_asked_at__isnull=True)
            .first()
        )
        if recovery is None or _second_factors(user):
            return False
        recovery.setup_asked_at = timezone.now()
        recovery.save(update_fields=["setup_asked_at"])
        return True


def account_recoveries_prune():
    """Delete recoveries ended, or links left unused, more than ``ACCOUNTS_RECOVERY_KEEP_DAYS`` ago.

    The retention the registry declares (GDPR Art. 5(1)(e)); the audit log keeps each step.

    Returns:
        int: how many were deleted.
    """
    limit = timezone.now() - datetime.timedelta(days=conf.RECOVERY_KEEP_DAYS)
    ended = AccountRecovery.objects.filter(ended_at__lt=limit)
    unused = AccountRecovery.objects.filter(
        status=AccountRecovery.Status.REQUESTED,
        requested_at__lt=limit - datetime.timedelta(seconds=conf.RECOVERY_LINK_SECONDS),
    )
    deleted = ended.delete()[0] + unused.delete()[0]
    return deleted
