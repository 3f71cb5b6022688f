"""Writes of the privacy app: visibility settings, the audit log and two-factor authentication."""

import secrets
from collections.abc import Mapping

from django.contrib.auth import authenticate, get_user_model, login
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import conf
from .exceptions import InvalidAudience, PrivacyError, TwoFactorError
from .models import (
    CONSENT_PURPOSES,
    Audience,
    AuditEvent,
    BackupCode,
    BackupCodeDevice,
    Consent,
    PolicyAcknowledgement,
    PolicyVersion,
    ProcessingRestriction,
    ProcessingRun,
    ProfileVisibility,
    backup_code_digest,
)
from .selectors import (
    below_digital_consent_age,
    current_policy_version,
    marketing_objected,
    policy_confirmation_due,
)
from .tasks import send_account_notice, send_policy_update_emails


def audit_record(*, actor, subject, action, changes=None):
    """Append one event to the subject's audit log.

    Args:
        actor: the user who acted, or None for the system.
        subject: the data subject (user) the event is about.
        action: an ``AuditEvent.Action``.
        changes: ``{setting: [old, new]}`` or ``{"fields": [names]}``; never
            personal data values or secrets.

    Returns:
        the saved ``AuditEvent``.
    """
    event = AuditEvent(actor=actor, subject=subject, action=action, changes=changes or {})
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def profile_visibility_update(*, actor, subject, audiences: Mapping[str, str]):
    """Set who may see each named profile field and mark the settings as reviewed now.

    Saving counts as a review even when nothing changed, so the Privacy tab can
    show when the learner last looked (GDPR Art. 25(2): defaults stay private
    until the learner chooses).

    Args:
        actor: the user making the change (the subject, or staff on their behalf).
        subject: the learner whose profile it is.
        audiences: ``{field: audience}`` for some or all of
            ``ProfileVisibility.FIELDS``; audiences are ``Audience`` values.

    Returns:
        the saved ``ProfileVisibility``.

    Raises:
        InvalidAudience: for an unknown field name or audience, or ``public`` for a
            learner under the digital age of consent (GDPR Art. 8); nothing is saved.
    """
    for name, audience in audiences.items():
        if name not in ProfileVisibility.FIELDS:
            raise InvalidAudience(f"{name!r} is not a profile field with a visibility setting.", field=name)
        if audience not in Audience.values:
            raise InvalidAudience(
                f"{audience!r} is not an audience: use one of {', '.join(Audience.values)}.", field=name
            )
    if below_digital_consent_age(subject):
        public = [name for name, audience in audiences.items() if audience == Audience.PUBLIC]
        if public:
            raise InvalidAudience(
                f"Under {conf.DIGITAL_CONSENT_AGE}, profile fields cannot be shown to everyone (GDPR Art. 8).",
                field=public[0],
                code="too_young",
            )
    visibility, _ = ProfileVisibility.objects.select_for_update().get_or_create(user=subject)
    changes = {}
    for name, audience in audiences.items():
        old = getattr(visibility, name)
        if old != audience:
            changes[name] = [old, audience]
            setattr(visibility, name, audience)
    visibility.reviewed_at = timezone.now()
    visibility.full_clean()
    visibility.save()
    audit_record(
        actor=actor,
        subject=subject,
        action=AuditEvent.Action.VISIBILITY_CHANGED if changes else AuditEvent.Action.VISIBILITY_REVIEWED,
        changes=changes,
    )
    return visibility


# Two-factor authentication (django-otp TOTP, RFC 6238; backup codes hashed).

BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to copy by hand
PENDING_SESSION_KEY = "privacy_two_factor_pending"


SIGN_IN_CHANGED = "Your Learner Portal sign-in changed"


def _tell_owner(user, subject, what):
    """Email the account's owner about ``what`` changed, after the transaction commits."""
    transaction.on_commit(lambda: send_account_notice.enqueue(user_id=user.pk, subject=subject, what=what))


def _new_backup_codes(user):
    """Replace the user's backup codes with ``PRIVACY_BACKUP_CODE_COUNT`` new ones; return them in clear."""
    # Keep the device (a session verified with a backup code stays verified); replace its codes.
    device, _ = BackupCodeDevice.objects.get_or_create(user=user, defaults={"name": "Backup codes", "confirmed": True})
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
def two_factor_setup_begin(*, user):
    """Start setting up an authenticator: a new, unconfirmed TOTP device with a new secret.

    Every start makes a new secret and discards earlier unconfirmed ones, so a
    key seen on an abandoned set-up page (another session, a screenshot) never
    becomes valid later. The device does not count until ``two_factor_setup_confirm``.

    Returns:
        ``TOTPDevice`` with ``confirmed=False``: 30-second steps, 6 digits, SHA-1
        (RFC 6238 defaults, which every authenticator app supports).

    Raises:
        TwoFactorError: two-factor authentication is already on.
    """
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise TwoFactorError("Two-factor authentication is already on.", code="two_factor_already_on")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def two_factor_setup_confirm(*, user, device_id, token):
    """Turn two-factor authentication on once a code from the pending device is right.

    Args:
        user: the learner.
        device_id: the id of the device ``two_factor_setup_begin`` made for this set-up.
        token: the 6-digit code their authenticator app shows.

    Returns:
        ``(device, codes)``: the confirmed ``TOTPDevice`` and the list of
        ``PRIVACY_BACKUP_CODE_COUNT`` backup codes in clear text, to show once;
        only their digests are stored.

    Raises:
        TwoFactorError: this set-up was replaced or expired, or the code is wrong (throttled).
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id, confirmed=False).first()
    if device is None:
        raise TwoFactorError("This set-up was replaced or has expired. Please start again.", field="token")
    if not device.verify_token(token):
        raise TwoFactorError("That code is not right. Check your app's clock and try the newest code.", field="token")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_backup_codes(user)
    audit_record(actor=user, subject=user, action=AuditEvent.Action.TWO_FACTOR_ENABLED)
    _tell_owner(user, SIGN_IN_CHANGED, "Two-factor authentication is now on for your Learner Portal account.")
    return device, codes


@transaction.atomic
def backup_codes_regenerate(*, request, user, password, token):
    """Replace the user's backup codes; the old ones stop working at once.

    Needs the password and a current code (from the app or a backup code), so
    that a session signed in with the password alone cannot take over the
    second factor.

    Returns:
        list of new backup codes in clear text, to show once.

    Raises:
        TwoFactorError: two-factor authentication is off, or a wrong password or code.
    """
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise TwoFactorError("Turn on two-factor authentication first.", code="two_factor_off")
    password_confirm(request, user=user, password=password)
    if two_factor_verify(user=user, token=token) is None:
        raise TwoFactorError("That code is not right.", field="token")
    codes = _new_backup_codes(user)
    audit_record(actor=user, subject=user, action=AuditEvent.Action.BACKUP_CODES_REGENERATED)
    return codes


def two_factor_verify(*, user, token):
    """Return the device that accepts ``token`` for ``user``, or None.

    A 6-digit token is checked against the TOTP device only, anything else
    against the backup codes only, so neither device's throttling counts the
    other's codes (django-otp throttling per device). Each check locks its
    device row, so a code cannot be used twice by racing requests.
    """
    token = "".join(str(token).split())
    if token.isdigit() and len(token) == 6:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    else:
        device = BackupCodeDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    return otp_verify_token(user, device.persistent_id, token)


def password_confirm(request, *, user, password):
    """Check ``user``'s password for a sensitive step, counting failures toward the sign-in lockout.

    Going through ``authenticate`` lets django-axes count a wrong password here
    like one at sign-in, so a signed-in session cannot guess passwords freely.

    Raises:
        TwoFactorError: wrong password (``field="password"``).
        axes.exceptions.AxesBackendPermissionDenied: the account is locked out
            (the lockout page answers).
    """
    if authenticate(request, username=user.username, password=password) is None:
        raise TwoFactorError("That password is not right.", field="password")


@transaction.atomic
def two_factor_disable(*, request, user, password, token):
    """Turn two-factor authentication off: needs the password and a current code or backup code.

    Removes every device and backup code of the user, and emails its owner.

    Raises:
        TwoFactorError: wrong password (``field="password"``) or code (``field="token"``).
    """
    password_confirm(request, user=user, password=password)
    if two_factor_verify(user=user, token=token) is None:
        raise TwoFactorError("That code is not right.", field="token")
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    audit_record(actor=user, subject=user, action=AuditEvent.Action.TWO_FACTOR_DISABLED)
    _tell_owner(user, SIGN_IN_CHANGED, "Two-factor authentication is now off for your Learner Portal account.")


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
        raise TwoFactorError("Your sign-in expired. Please start again.", code="two_factor_expired")
    device = two_factor_verify(user=user, token=token)
    if device is None:
        return None
    backend = request.session.pop(PENDING_SESSION_KEY)["backend"]
    login(request, user, backend=backend)
    otp_login(request, device)
    return user


@transaction.atomic
def consent_record(*, actor, user, purpose, granted, source, note=""):
    """Append the learner's choice for ``purpose`` to the consent ledger.

    Granting and withdrawing are the same single step (GDPR Art. 7(3)). When the
    choice equals the current one nothing is written.

    Args:
        actor: the learner, or staff recording on their behalf (then ``note`` is required).
        user: the data subject.
        purpose: a key of ``CONSENT_PURPOSES``.
        granted: True to agree, False to withdraw.
        source: a ``Consent.Source``.

    Returns:
        the ledger entry now in force (new, or the unchanged latest one).

    Raises:
        PrivacyError: unknown purpose, or staff without a note (code ``invalid_consent``).
    """
    if purpose not in CONSENT_PURPOSES:
        raise PrivacyError(f"{purpose!r} is not a purpose you can consent to.", code="invalid_consent", field="purpose")
    if source == Consent.Source.STAFF and not note.strip():
        raise PrivacyError("Say why you record this for the learner.", code="invalid_consent", field="note")
    if granted and below_digital_consent_age(user):
        raise PrivacyError(
            f"Under {conf.DIGITAL_CONSENT_AGE}, you cannot turn this on yourself (GDPR Art. 8).",
            code="too_young",
            field="purpose",
        )
    if granted and source != Consent.Source.POLICY_UPDATE and policy_confirmation_due(user):
        raise PrivacyError(
            "Our privacy policy changed: please read what changed and confirm your choices first.",
            code="policy_confirmation_due",
            field="purpose",
        )
    if granted and purpose == "marketing_email" and marketing_objected(user):
        raise PrivacyError(
            "You objected to news by email, so we will not send it again (GDPR Art. 21(3)).",
            code="objected",
            field="purpose",
        )
    latest = Consent.objects.select_for_update().filter(user=user, purpose=purpose).order_by("-created_at", "-id")
    current = latest.first()
    version = current_policy_version()
    unchanged = current is not None and current.granted == granted and current.policy_version == version
    if unchanged and source != Consent.Source.OBJECTION:
        return current
    entry = Consent(
        user=user,
        purpose=purpose,
        granted=granted,
        policy_version=version,
        source=source,
        note=note.strip(),
        actor=actor,
    )
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        subject=user,
        action=AuditEvent.Action.CONSENT_CHANGED,
        changes={purpose: [bool(current and current.granted), granted]},
    )
    return entry


@transaction.atomic
def restriction_start(*, actor, user, reason):
    """Restrict all optional processing of ``user``'s data at once (GDPR Art. 18(1)).

    Returns:
        the active ``ProcessingRestriction`` (the existing one if already restricted).

    Raises:
        PrivacyError: empty reason (code ``invalid_restriction``).
    """
    if not reason.strip():
        raise PrivacyError("Say why processing is restricted.", code="invalid_restriction", field="reason")
    active = ProcessingRestriction.objects.select_for_update().filter(user=user, lifted_at__isnull=True).first()
    if active is not None:
        return active
    restriction = ProcessingRestriction.objects.create(user=user, reason=reason.strip(), started_by=actor)
    audit_record(actor=actor, subject=user, action=AuditEvent.Action.RESTRICTION_STARTED)
    return restriction


@transaction.atomic
def restriction_lift(*, actor, user):
    """Lift ``user``'s active restriction, telling them first (GDPR Art. 18(3)).

    Returns:
        the lifted ``ProcessingRestriction``, or None when none was active.
    """
    restriction = ProcessingRestriction.objects.select_for_update().filter(user=user, lifted_at__isnull=True).first()
    if restriction is None:
        return None
    _tell_owner(
        user,
        "We are lifting the restriction of processing of your data",
        "We are lifting the restriction of processing of your data that began on "
        f"{timezone.localtime(restriction.started_at):%d %B %Y}. Optional uses you agreed to resume.",
    )
    restriction.lifted_at = timezone.now()
    restriction.save(update_fields=["lifted_at"])
    audit_record(actor=actor, subject=user, action=AuditEvent.Action.RESTRICTION_LIFTED)
    return restriction


def processing_run_record(*, kind, actor, included=0, excluded=0, parameters=None):
    """Record one run of a digest or export: who ran it, when, how many learners were in and out — never who.

    Args:
        kind: a ``ProcessingRun.Kind``.
        actor: the staff user who ran it, or None for a scheduled or command-line run.
        included, excluded: numbers of learners.
        parameters: JSON-serialisable dict without learners' data, e.g. ``{"partner": name}``.

    Returns:
        the new ``ProcessingRun`` (GDPR Art. 5(2): accountability).
    """
    run = ProcessingRun(kind=kind, actor=actor, included=included, excluded=excluded, parameters=parameters or {})
    run.full_clean()
    run.save()
    return run


@transaction.atomic
def policy_activate(*, actor, policy):
    """Make a draft policy version the active one; the previous active version is archived.

    Activating a privacy policy asks every learner, at their next page view, to
    read its summary and confirm their consents again; until they do, their
    optional processing stops (``may_process``). Learners are emailed the
    summary in the background.

    Raises:
        PrivacyError: the version is not a draft (code ``policy_not_draft``).
    """
    policy = PolicyVersion.objects.select_for_update().get(pk=policy.pk)
    if policy.status != PolicyVersion.Status.DRAFT:
        raise PrivacyError(f"{policy} is not a draft: only drafts can be activated.", code="policy_not_draft")
    PolicyVersion.objects.filter(kind=policy.kind, status=PolicyVersion.Status.ACTIVE).update(
        status=PolicyVersion.Status.ARCHIVED
    )
    policy.status = PolicyVersion.Status.ACTIVE
    policy.activated_at = timezone.now()
    policy.save(update_fields=["status", "activated_at"])
    if policy.kind == PolicyVersion.Kind.PRIVACY:
        transaction.on_commit(lambda: send_policy_update_emails.enqueue(policy_id=policy.pk))
    return policy


@transaction.atomic
def policy_confirm(*, user, policy, choices):
    """Record that ``user`` read ``policy``'s summary, with their consents confirmed under it.

    Args:
        choices: ``{purpose: bool}`` for the purposes of ``CONSENT_PURPOSES``;
            missing purposes are recorded as not granted.

    Returns:
        the ``PolicyAcknowledgement``.
    """
    for purpose in CONSENT_PURPOSES:
        granted = bool(choices.get(purpose)) and not below_digital_consent_age(user)
        if granted and purpose == "marketing_email" and marketing_objected(user):
            granted = False
        consent_record(actor=user, user=user, purpose=purpose, granted=granted, source=Consent.Source.POLICY_UPDATE)
    acknowledgement, _ = PolicyAcknowledgement.objects.get_or_create(user=user, policy=policy)
    return acknowledgement
