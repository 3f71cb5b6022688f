"""Two-factor authentication: an authenticator app (django-otp TOTP, RFC 6238) and single-use backup codes.

Setting up, checking and turning off second factors, the sign-in code step, the
password asked again before a sensitive change, and staff enrolment links.
"""

import datetime
import math
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, gettext_noop, ngettext, pgettext
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token

from compliance.models import AuditEvent
from compliance.services import audit_record

from . import conf
from .exceptions import TwoFactorError
from .languages import in_language_of
from .models import BackupCode, BackupCodeDevice, TOTPDevice, backup_code_digest
from .selectors import access_account_credentials, two_factor_device_for, two_factor_enabled
from .services import password_check, sign_in_change_tell, sign_in_secure
from .tokens import staff_enrolment_token_generator


def pause_in_words(seconds, *, backup_codes=True):
    """Return what a learner is told when a code was sent while checking pauses (see ``two_factor_pause``).

    Args:
        seconds: the pause left, from ``two_factor_pause`` or ``device_pause``.
        backup_codes: whether to add that a backup code was not used up.
    """
    if seconds < 90:
        wait = ngettext("%(count)s second", "%(count)s seconds", seconds) % {"count": seconds}
    else:
        wait = gettext("%(count)s minutes") % {"count": math.ceil(seconds / 60)}
    if backup_codes:
        text = gettext(
            "After a wrong code, checking pauses for a moment: this code was not checked, and a backup code "
            "is not used up. Try again in %(wait)s."
        )
    else:
        text = gettext(
            "After a wrong code, checking pauses for a moment: this code was not checked. Try again in %(wait)s."
        )
    return text % {"wait": wait}


BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to copy by hand


PENDING_SESSION_KEY = "privacy_two_factor_pending"
#: The session key that marks a staff member's session as opened by their enrolment link.
STAFF_ENROLMENT_SESSION_KEY = "privacy_staff_enrolment"
#: The names the portal gives a learner's second factors: English, shown in the reader's language
#: (``accounts.personal_data``; the access report).
AUTHENTICATOR_APP_NAME = gettext_noop("Authenticator app")
BACKUP_CODES_NAME = gettext_noop("Backup codes")


def _new_backup_codes(user):
    """Replace the user's backup codes with ``ACCOUNTS_BACKUP_CODE_COUNT`` new ones; return them in clear."""
    # Keep the device (a session verified with a backup code stays verified); replace its codes.
    device, _ = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": BACKUP_CODES_NAME, "confirmed": True}
    )
    device.codes.all().delete()
    device.throttle_reset()
    codes = []
    for _ in range(conf.BACKUP_CODE_COUNT):
        code = "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(10))
        salt = secrets.token_hex(16)
        BackupCode.objects.create(device=device, salt=salt, digest=backup_code_digest(salt, code))
        codes.append(f"{code[:5]}-{code[5:]}")
    return codes


@transaction.atomic
def _setup_in_progress(*, user, device_id):
    """Return ``user``'s unconfirmed devices ``device_id`` while its set-up lasts (a QuerySet of at most one)."""
    fresh_since = timezone.now() - datetime.timedelta(seconds=conf.TWO_FACTOR_SETUP_SECONDS)
    return TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False, created_at__gte=fresh_since)


@transaction.atomic
def two_factor_setup_begin(*, user, resume=None):
    """Start setting up an authenticator, or go on with the set-up this session started.

    A set-up keeps its key until it is confirmed, cancelled or
    ``ACCOUNTS_TWO_FACTOR_SETUP_SECONDS`` old, so a learner who scanned the QR code and
    then reloaded the page types a code the portal accepts. A new start discards every
    other unconfirmed device of the user, so a key seen on an abandoned set-up page
    (another session, a screenshot) never becomes valid later. The device does not
    count until ``two_factor_setup_confirm``.

    Args:
        resume: the id of the device this session's set-up made, or None.

    Returns:
        ``TOTPDevice`` with ``confirmed=False``: 30-second steps, 6 digits, SHA-1
        (RFC 6238 defaults, which every authenticator app supports).

    Raises:
        TwoFactorError: two-factor authentication is already on.
    """
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise TwoFactorError(gettext("Two-factor authentication is already on."), code="two_factor_already_on")
    if resume is not None and (device := _setup_in_progress(user=user, device_id=resume).first()) is not None:
        return device
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_APP_NAME, confirmed=False)


def two_factor_setup_cancel(*, user, device_id):
    """Cancel this session's set-up: its key stops being one that could ever be confirmed.

    Returns:
        bool: whether a set-up in progress was cancelled.
    """
    deleted, _ = TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).delete()
    return bool(deleted)


def two_factor_setup_confirm(*, user, device_id, token):
    """Turn two-factor authentication on once a code from the pending device is right.

    Args:
        user: the learner.
        device_id: the id of the device ``two_factor_setup_begin`` made for this set-up.
        token: the 6-digit code their authenticator app shows.

    Returns:
        ``(device, codes)``: the confirmed ``TOTPDevice`` and the list of
        ``ACCOUNTS_BACKUP_CODE_COUNT`` backup codes in clear text, to show once;
        only their digests are stored.

    Raises:
        TwoFactorError: this set-up was replaced or expired, or the code is wrong (throttled).
    """
    # A wrong code leaves the transaction before the error is raised, so that django-otp's
    # count of wrong codes (and the pause it sets) is kept, not rolled back with the rest.
    with transaction.atomic():
        device = _setup_in_progress(user=user, device_id=device_id).select_for_update().first()
        if device is None:
            raise TwoFactorError(
                gettext(
                    "This set-up was cancelled, replaced or is over %(minutes)s minutes old: "
                    "here is a new key. Scan it and enter the new code."
                )
                % {"minutes": conf.TWO_FACTOR_SETUP_SECONDS // 60},
                field="token",
            )
        if device.verify_token(token):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_backup_codes(user)
            audit_record(actor=user, subject=user, action=AuditEvent.Action.TWO_FACTOR_ENABLED)
            sign_in_change_tell(
                user=user, what=gettext_noop("Two-factor authentication is now on for your Learner Portal account.")
            )
            return device, codes
    raise TwoFactorError(
        gettext(
            "That code is not right. Use the entry your app added from the key on this page: a key shown on an "
            "earlier visit no longer works. Then enter its newest code; if that fails too, set your phone's clock "
            "to update automatically."
        ),
        field="token",
    )


def two_factor_turn_on(*, request, device_id, token):
    """Turn two-factor authentication on for this session's user, and secure their sign-in.

    Confirms the set-up (``two_factor_setup_confirm``), marks this session as
    having passed the code step, ends the user's other sessions (they had only the
    password) and revokes their API tokens (made with the password alone).

    Returns:
        ``(codes, revoked)``: the new backup codes in clear text, to show once, and
        how many API tokens were revoked.

    Raises:
        TwoFactorError: as ``two_factor_setup_confirm``.
    """
    user = request.user
    device, codes = two_factor_setup_confirm(user=user, device_id=device_id, token=token)
    otp_login(request, device)
    revoked = sign_in_secure(user=user, current_session_key=request.session.session_key)
    return codes, revoked


def backup_codes_regenerate(*, request, user, password, token):
    """Replace the user's backup codes; the old ones stop working at once.

    Needs the password and a current code (from the app or a backup code), so
    that a session signed in with the password alone cannot take over the
    second factor. The owner is emailed.

    Returns:
        list of new backup codes in clear text, to show once.

    Raises:
        TwoFactorError: two-factor authentication is off, or a wrong password or code.
    """
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise TwoFactorError(gettext("Turn on two-factor authentication first."), code="two_factor_off")
    # Outside any transaction that the errors below would roll back: a wrong password counts toward
    # the sign-in lockout (django-axes), a wrong code toward its device's pause (django-otp).
    password_confirm(request, user=user, password=password)
    with transaction.atomic():
        if two_factor_verify(user=user, token=token) is not None:
            codes = _new_backup_codes(user)
            audit_record(actor=user, subject=user, action=AuditEvent.Action.BACKUP_CODES_REGENERATED)
            sign_in_change_tell(
                user=user,
                what=gettext_noop(
                    "New backup codes were made for your Learner Portal account; the old ones no longer work."
                ),
            )
            return codes
    raise TwoFactorError(gettext("That code is not right."), field="token")


def two_factor_verify(*, user, token):
    """Return the device that accepts ``token`` for ``user``, or None.

    A 6-digit token is checked against the TOTP device only, anything else
    against the backup codes only, so neither device's throttling counts the
    other's codes (django-otp throttling per device). Each check locks its
    device row, so a code cannot be used twice by racing requests.
    """
    device = two_factor_device_for(user=user, token=token)
    if device is None:
        return None
    return otp_verify_token(user, device.persistent_id, "".join(str(token).split()))


def password_confirm(request, *, user, password):
    """Check ``user``'s password for a sensitive step, counting failures toward the sign-in lockout.

    Going through ``authenticate`` lets django-axes count a wrong password here
    like one at sign-in, so a signed-in session cannot guess passwords freely.

    Raises:
        TwoFactorError: wrong password (``field="password"``).
        axes.exceptions.AxesBackendPermissionDenied: the account is locked out
            (the lockout page answers).
    """
    if not password_check(request, user=user, password=password):
        raise TwoFactorError(gettext("That password is not right."), field="password")


def two_factor_disable(*, request, user, password, token):
    """Turn two-factor authentication off: needs the password and a current code or backup code.

    Removes every device and backup code of the user, and emails its owner.

    Raises:
        TwoFactorError: wrong password (``field="password"``) or code (``field="token"``).
    """
    # As in backup_codes_regenerate: wrong passwords and codes are counted, not rolled back.
    password_confirm(request, user=user, password=password)
    with transaction.atomic():
        if two_factor_verify(user=user, token=token) is not None:
            for device in devices_for_user(user, confirmed=None):
                device.delete()
            audit_record(actor=user, subject=user, action=AuditEvent.Action.TWO_FACTOR_DISABLED)
            sign_in_change_tell(
                user=user, what=gettext_noop("Two-factor authentication is now off for your Learner Portal account.")
            )
            return
    raise TwoFactorError(gettext("That code is not right."), field="token")


def two_factor_login_begin(request, user):
    """Remember that ``user`` passed the password step; they are not signed in yet.

    The session gets a new key (against session fixation) and remembers the
    user's id, authentication backend and the time, for ``two_factor_login_complete``.
    """
    request.session.cycle_key()
    request.session[PENDING_SESSION_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "at": timezone.now().timestamp(),
    }


def two_factor_login_pending_user(request):
    """Return the user waiting at the code step in this session, or None (none, or expired)."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or timezone.now().timestamp() - pending["at"] > conf.TWO_FACTOR_PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()


def two_factor_login_complete(request, token):
    """Sign in the pending user when ``token`` is right; return the user, or None.

    Raises:
        TwoFactorError: nobody is waiting at the code step (or it expired).
    """
    user = two_factor_login_pending_user(request)
    if user is None:
        raise TwoFactorError(gettext("Your sign-in expired. Please start again."), code="two_factor_expired")
    device = two_factor_verify(user=user, token=token)
    if device is None:
        audit_record(actor=None, subject=user, action=AuditEvent.Action.LOGIN_FAILED, changes={"step": "code"})
        return None
    backend = request.session.pop(PENDING_SESSION_KEY)["backend"]
    login(request, user, backend=backend)
    otp_login(request, device)
    return user


def staff_enrolment_link(*, user):
    """Return the absolute link with which staff member ``user`` may turn on two-factor authentication.

    For operators (``manage.py staff_two_factor_link``) and ``staff_enrolment_link_send``.
    The link works only in ``user``'s own signed-in session, for
    ``ACCOUNTS_STAFF_ENROLMENT_SECONDS`` and until 2FA is on (see ``tokens``).

    Raises:
        TwoFactorError: ``user`` is not staff, or already has two-factor authentication.
    """
    if not user.is_staff or not user.is_active:
        raise TwoFactorError(gettext("Enrolment links are for active staff accounts; learners turn on 2FA themselves."))
    if two_factor_enabled(user):
        already = gettext("%(username)s already has two-factor authentication.")
        raise TwoFactorError(already % {"username": user.username})
    path = reverse(
        "accounts:two_factor_staff_enrol",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": staff_enrolment_token_generator.make_token(user),
        },
    )
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def staff_enrolment_link_send(*, actor, user):
    """Email staff member ``user`` a link to turn on two-factor authentication (superusers only).

    Raises:
        accounts.exceptions.AccountChangeRefused: ``actor`` is not a superuser (the link
            lets its holder set up the account's second factor).
        TwoFactorError: as ``staff_enrolment_link``.
    """
    access_account_credentials(actor=actor, user=user, what="second factors")
    link = staff_enrolment_link(user=user)
    email = user.email
    with in_language_of(user):  # the staff member's language, not the superuser's who sends it
        body = gettext(
            "Hello,\n\nTo use the Learner Portal admin site, turn on two-factor authentication: sign in with your "
            "password, then open this link within %(hours)s hours and follow the "
            "steps.\n\n%(link)s\n\nIf you did not expect this, tell your privacy officer.\n\n-- Learner Portal\n"
        ) % {"hours": conf.STAFF_ENROLMENT_SECONDS // 3600, "link": link}
        subject = pgettext("email subject", "Turn on two-factor authentication")
    # Straight after the commit, not through the task queue: the link is not stored anywhere.
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
