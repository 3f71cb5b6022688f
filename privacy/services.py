"""Writes of the privacy app: visibility, consents, restriction of processing, processing runs, policy versions."""

import json
from collections.abc import Mapping

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.languages import in_language_and_time_zone_of
from accounts.timezones import user_timezone
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
)
from .models import (
    CONSENT_PURPOSES,
    Audience,
    Consent,
    PolicyAcknowledgement,
    PolicyVersion,
    ProcessingRestriction,
    ProcessingRun,
    ProfileVisibility,
)
from .selectors import (
    audiences_in_force,
    below_digital_consent_age,
    consent_counts,
    current_policy_version,
    objected_for_good,
    policy_confirmation_due,
)
from .tasks import send_policy_update_emails


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
    # them again here would cost three queries per field (Model.validate_constraints) on every save. The
    # user is the locked row's own, so neither its existence nor the row's uniqueness needs a query.
    visibility.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    visibility.save()
    audit_record(
        actor=actor,
        subject=subject,
        action=AuditEvent.Action.VISIBILITY_CHANGED if changes else AuditEvent.Action.VISIBILITY_REVIEWED,
        changes=changes,
    )
    return visibility


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
def restriction_lift(*, actor, user, reference=""):
    """Lift ``user``'s active restriction, telling them first (GDPR Art. 18(3)).

    The email is sent before the restriction ends, not after the commit: if it
    cannot be sent, this raises and the restriction stays in force. It names the
    right as the pages do ("Pause the use of your data") and ``reference``, the
    data-rights request that started it, when there is one.

    Returns:
        the lifted ``ProcessingRestriction``, or None when none was active.

    Raises:
        OSError (SMTP errors): the learner could not be told; nothing changed.
    """
    restriction = ProcessingRestriction.objects.select_for_update().filter(user=user, lifted_at__isnull=True).first()
    if restriction is None:
        return None
    started = timezone.localtime(restriction.started_at, user_timezone(user))  # the date as the learner saw it
    at_request = f" at your request {reference}" if reference else ""
    with in_language_and_time_zone_of(user):  # the learner's language, not the staff member's who lifts it
        send_mail(
            f"Your request {reference}: we are lifting the pause on the use of your data"
            if reference
            else "We are lifting the pause on the use of your data",
            f"Hello,\n\nOn {started.day} {started:%B %Y} we paused the use of your data{at_request} "
            "(restriction of processing, GDPR Art. 18). We are now lifting that pause. From now on we may again "
            "use your data for the optional purposes you agreed to, such as course recommendations or research.\n\n"
            "You can turn each of them off on the Privacy tab at any time, or object to a use or ask for a new "
            "pause under Settings → Your data.\n\n-- Learner Portal privacy team\n",
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
