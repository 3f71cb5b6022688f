"""Writes of the privacy app: visibility settings, the audit log and two-factor authentication."""

import json
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token

from accounts.models import TOTPDevice
from accounts.selectors import access_account_credentials
from compliance.models import AuditEvent
from compliance.services import audit_record, audit_record_many, data_subject_lock

from . import conf
from .exceptions import (
    AudiencePublicTooYoung,
    InvalidAudience,
    ObjectedForGood,
    PolicyConfirmationDue,
    PrivacyError,
    TooYoung,
    TwoFactorError,
)
from .models import (
    CONSENT_PURPOSES,
    Audience,
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
    audiences_in_force,
    below_digital_consent_age,
    consent_counts,
    current_policy_version,
    objected_for_good,
    policy_confirmation_due,
    two_factor_device_for,
    two_factor_enabled,
)
from .tasks import send_account_notice, send_policy_update_emails
from .tokens import staff_enrolment_token_generator


def _quoted(value, limit=60):
    """Return ``value`` as the API's clients wrote it (JSON), cut to ``limit`` characters for an error message."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        InvalidAudience: for unknown field names or audiences (``errors`` names each,
            and any ``public`` refused for age beside them); nothing is saved.
        AudiencePublicTooYoung: only ``public`` refused, for a learner under the
            digital age of consent (GDPR Art. 8); nothing is saved.
    """
    errors = {}
    for name, audience in audiences.items():
        if name not in ProfileVisibility.FIELDS:
            errors[name] = f"{_quoted(name)} is not a profile field with a visibility setting."
        elif audience not in Audience.values:
            errors[name] = f"{_quoted(audience)} is not an audience: use one of {', '.join(Audience.values)}."
    too_young = {}
    if below_digital_consent_age(subject):
        refusal = f"Under {conf.DIGITAL_CONSENT_AGE}, profile fields cannot be shown to everyone (GDPR Art. 8)."
        too_young = {name: refusal for name, audience in audiences.items() if audience == Audience.PUBLIC}
    if errors:
        raise InvalidAudience(errors | {name: why for name, why in too_young.items() if name not in errors})
    if too_young:
        raise AudiencePublicTooYoung(too_young)
    visibility, _ = ProfileVisibility.objects.select_for_update().get_or_create(user=subject)
    # The signed-in user arrives with its settings loaded; the reading below, and later ones in
    # this request, see the locked row.
    subject.profile_visibility = visibility
    # A field not sent keeps the audience in force, not the one saved: "Everyone" chosen before
    # the learner reached the digital age of consent must not start to count because this save
    # stamps the settings as reviewed (GDPR Art. 8).
    chosen = audiences_in_force(subject) | dict(audiences)
    changes = {}
    for name, audience in chosen.items():
        old = getattr(visibility, name)
        if old != audience:
            changes[name] = [old, audience]
            setattr(visibility, name, audience)
    visibility.reviewed_at = timezone.now()
    # The audiences were checked above and the database enforces the same check constraints: checking
    # them again here would cost three queries per field (Model.validate_constraints) on every save.
    visibility.full_clean(validate_constraints=False)
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
    # A wrong code leaves the transaction before the error is raised, so that django-otp's
    # count of wrong codes (and the pause it sets) is kept, not rolled back with the rest.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id, confirmed=False).first()
        if device is None:
            raise TwoFactorError("This set-up was replaced or has expired. Please start again.", field="token")
        if device.verify_token(token):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_backup_codes(user)
            audit_record(actor=user, subject=user, action=AuditEvent.Action.TWO_FACTOR_ENABLED)
            _tell_owner(user, SIGN_IN_CHANGED, "Two-factor authentication is now on for your Learner Portal account.")
            return device, codes
    raise TwoFactorError("That code is not right. Check your app's clock and try the newest code.", field="token")


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
    # Outside any transaction that the errors below would roll back: a wrong password counts toward
    # the sign-in lockout (django-axes), a wrong code toward its device's pause (django-otp).
    password_confirm(request, user=user, password=password)
    with transaction.atomic():
        if two_factor_verify(user=user, token=token) is not None:
            codes = _new_backup_codes(user)
            audit_record(actor=user, subject=user, action=AuditEvent.Action.BACKUP_CODES_REGENERATED)
            return codes
    raise TwoFactorError("That code is not right.", field="token")


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
    if authenticate(request, username=user.username, password=password) is None:
        raise TwoFactorError("That password is not right.", field="password")


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
            _tell_owner(user, SIGN_IN_CHANGED, "Two-factor authentication is now off for your Learner Portal account.")
            return
    raise TwoFactorError("That code is not right.", field="token")


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
        audit_record(actor=None, subject=user, action=AuditEvent.Action.LOGIN_FAILED, changes={"step": "code"})
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
        TooYoung: granting under the digital age of consent (GDPR Art. 8(1)).
        PolicyConfirmationDue: granting before confirming a changed privacy policy.
        ObjectedForGood: granting a purpose the learner objected to for good (GDPR Art. 21(3)).
    """
    if purpose not in CONSENT_PURPOSES:
        raise PrivacyError(f"{purpose!r} is not a purpose you can consent to.", code="invalid_consent", field="purpose")
    if source == Consent.Source.STAFF and not note.strip():
        raise PrivacyError("Say why you record this for the learner.", code="invalid_consent", field="note")
    if granted and below_digital_consent_age(user):
        raise TooYoung(
            f"Under {conf.DIGITAL_CONSENT_AGE}, you cannot turn this on yourself (GDPR Art. 8).", field="purpose"
        )
    if granted and source != Consent.Source.POLICY_UPDATE and policy_confirmation_due(user):
        raise PolicyConfirmationDue(
            "Our privacy policy changed: please read what changed and confirm your choices first.", field="purpose"
        )
    if granted and objected_for_good(user, purpose):
        raise ObjectedForGood(
            "You objected to news by email, so we will not send it again (GDPR Art. 21(3)).", field="purpose"
        )
    # The learner's row, not their latest entry: with no entry yet there would be nothing to lock.
    data_subject_lock(user.pk)
    current = Consent.objects.filter(user=user, purpose=purpose).order_by("-created_at", "-id").first()
    version = current_policy_version()
    unchanged = current is not None and current.granted == granted and current.policy_version == version
    # A grant given before the learner reached the digital age of consent does not count: granting
    # again now is a new choice, written to the ledger (GDPR Art. 8(1)).
    unchanged = unchanged and (not granted or consent_counts(user, current))
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

    The email is sent before the restriction ends, not after the commit: if it
    cannot be sent, this raises and the restriction stays in force.

    Returns:
        the lifted ``ProcessingRestriction``, or None when none was active.

    Raises:
        OSError (SMTP errors): the learner could not be told; nothing changed.
    """
    restriction = ProcessingRestriction.objects.select_for_update().filter(user=user, lifted_at__isnull=True).first()
    if restriction is None:
        return None
    started = timezone.localtime(restriction.started_at)
    send_mail(
        "We are lifting the restriction of processing of your data",
        f"Hello,\n\nOn {started.day} {started:%B %Y} the use of your data was restricted (GDPR Art. 18). "
        "We are now lifting that restriction. From now on we may again use your data for the optional "
        "purposes you agreed to, such as course recommendations or research.\n\n"
        "You can turn each of them off on the Privacy tab at any time, or object to a use or ask for a new "
        "restriction under Settings → Your data.\n\n-- Learner Portal privacy team\n",
        None,
        [user.email],
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
def partner_roster_record(*, actor, partner, roster):
    """Record a partner roster export: one processing run, and an entry in each listed learner's audit log.

    Each learner can then see on their Account activity page that they were
    listed for the partner, and whether their progress and grades were included
    (GDPR Art. 15(1)(c): recipients to whom the data have been disclosed).

    Args:
        actor: the staff user who ran it, or None for a command-line run.
        partner: the ``Partner``.
        roster: the ``privacy.exports.PartnerRoster`` written.

    Returns:
        the ``ProcessingRun``.
    """
    run = processing_run_record(
        kind=ProcessingRun.Kind.PARTNER_ROSTER,
        actor=actor,
        included=roster.included,
        excluded=roster.excluded,
        parameters={"partner": partner.name},
    )
    for shared in (True, False):
        audit_record_many(
            actor=actor,
            subjects=[pk for pk, detail in roster.shares.items() if detail is shared],
            action=AuditEvent.Action.PARTNER_SHARED,
            changes={"partner": partner.name, "progress_and_grades": shared},
        )
    return run


@transaction.atomic
def research_dataset_record(*, actor, dataset):
    """Record a research dataset export: one processing run, and an entry in each included learner's audit log.

    Args:
        actor: the staff user who ran it, or None for a command-line run.
        dataset: the ``privacy.exports.ResearchDataset`` written.

    Returns:
        the ``ProcessingRun``.
    """
    run = processing_run_record(
        kind=ProcessingRun.Kind.RESEARCH_EXPORT,
        actor=actor,
        included=dataset.included,
        excluded=dataset.excluded,
        parameters={"min_group_size": dataset.min_group_size},
    )
    audit_record_many(actor=actor, subjects=dataset.learner_ids, action=AuditEvent.Action.RESEARCH_INCLUDED)
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
        granted = granted and not objected_for_good(user, purpose)
        consent_record(actor=user, user=user, purpose=purpose, granted=granted, source=Consent.Source.POLICY_UPDATE)
    acknowledgement, _ = PolicyAcknowledgement.objects.get_or_create(user=user, policy=policy)
    return acknowledgement


def staff_enrolment_link(*, user):
    """Return the absolute link with which staff member ``user`` may turn on two-factor authentication.

    For operators (``manage.py staff_two_factor_link``) and ``staff_enrolment_link_send``.
    The link works only in ``user``'s own signed-in session, for
    ``PRIVACY_STAFF_ENROLMENT_SECONDS`` and until 2FA is on (see ``tokens``).

    Raises:
        TwoFactorError: ``user`` is not staff, or already has two-factor authentication.
    """
    if not user.is_staff or not user.is_active:
        raise TwoFactorError("Enrolment links are for active staff accounts; learners turn on 2FA themselves.")
    if two_factor_enabled(user):
        raise TwoFactorError(f"{user.username} already has two-factor authentication.")
    path = reverse(
        "privacy:two_factor_staff_enrol",
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
    body = (
        "Hello,\n\nTo use the Learner Portal admin site, turn on two-factor authentication: sign in with your "
        f"password, then open this link within {conf.STAFF_ENROLMENT_SECONDS // 3600} hours and follow the "
        f"steps.\n\n{link}\n\nIf you did not expect this, tell your privacy officer.\n\n-- Learner Portal\n"
    )
    # Straight after the commit, not through the task queue: the link is not stored anywhere.
    transaction.on_commit(lambda: send_mail("Turn on two-factor authentication", body, None, [email]))
