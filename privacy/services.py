"""Writes of the privacy app: visibility, consents, restriction of processing, processing runs, policy versions."""

import json
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.languages import in_language_and_time_zone_of
from accounts.timezones import user_timezone
from compliance.models import AuditEvent
from compliance.registry import Purpose
from compliance.services import audit_record, audit_record_many, data_subject_lock

from . import conf
from .exceptions import (
    AudiencePublicTooYoung,
    InvalidAudience,
    ObjectedForGood,
    OptedOutOfSale,
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
    SensitiveInformationLimit,
)
from .selectors import (
    SALE_PURPOSES,
    audiences_in_force,
    below_digital_consent_age,
    consent_counts,
    current_policy_version,
    objected_for_good,
    policy_confirmation_due,
    sale_opt_out_until,
)
from .tasks import send_policy_update_emails


def _quoted(value, limit=60):
    """Return ``value`` as the API's clients wrote it (JSON), cut to ``limit`` characters for an error message."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: What a save of the visibility settings writes, and what a compare-and-set of them compares.
_SAVED = (*ProfileVisibility.FIELDS, "reviewed_at")


def _visibility_loaded(subject):
    """Return the ``ProfileVisibility`` read with ``subject`` (the auth backend joins it); None if not read, or none."""
    if not get_user_model().profile_visibility.is_cached(subject):
        return None
    return getattr(subject, "profile_visibility", None)


def _visibility_apply(visibility, subject, audiences):
    """Set ``audiences`` on ``visibility`` (``subject``'s), stamp it as reviewed and check it; return the changes.

    Returns:
        ``{field: [old, new]}`` for the fields whose audience changes.
    """
    # The readings below, and later ones in this request, see this row.
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
    visibility.reviewed_at = visibility.updated_at = timezone.now()
    # The audiences were checked by the caller and the database enforces the same check constraints:
    # checking them again here would cost three queries per field (Model.validate_constraints) on every
    # save. The user is the row's own, so neither its existence nor the row's uniqueness needs a query.
    visibility.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    return changes


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
            errors[name] = gettext("%(field)s is not a profile field with a visibility setting.") % {
                "field": _quoted(name)
            }
        elif audience not in Audience.values:
            errors[name] = gettext("%(audience)s is not an audience: use one of %(audiences)s.") % {
                "audience": _quoted(audience),
                "audiences": ", ".join(Audience.values),
            }
    too_young = {}
    if below_digital_consent_age(subject):
        refusal = gettext("Under %(age)s, profile fields cannot be shown to everyone (GDPR Art. 8).") % {
            "age": conf.DIGITAL_CONSENT_AGE
        }
        too_young = {name: refusal for name, audience in audiences.items() if audience == Audience.PUBLIC}
    if errors:
        raise InvalidAudience(errors | {name: why for name, why in too_young.items() if name not in errors})
    if too_young:
        raise AudiencePublicTooYoung(too_young)
    # The settings read with the signed-in user are written back only if the row still holds them (a
    # compare-and-set, one query): what the audit row records as old is then what was replaced. When the
    # row changed since, or was not read, or does not exist yet, it is read again under a lock.
    visibility = _visibility_loaded(subject)
    if visibility is not None:
        saved = {name: getattr(visibility, name) for name in _SAVED}
        changes = _visibility_apply(visibility, subject, audiences)
        written = ProfileVisibility.objects.filter(pk=visibility.pk, **saved)
        if written.update(**{name: getattr(visibility, name) for name in (*_SAVED, "updated_at")}):
            # update() sends no post_save: send it as save() would, so that its receivers (the public
            # profile's cache) hear of this write too.
            post_save.send(
                sender=ProfileVisibility,
                instance=visibility,
                created=False,
                update_fields=None,
                raw=False,
                using=written.db,
            )
        else:
            visibility = None
    if visibility is None:
        visibility, _ = ProfileVisibility.objects.select_for_update().get_or_create(user=subject)
        changes = _visibility_apply(visibility, subject, audiences)
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
        OptedOutOfSale: granting partner sharing within 12 months of an opt-out of its sale or
            sharing (Cal. Civ. Code §1798.135(c)(4)).
    """
    if purpose not in CONSENT_PURPOSES:
        raise PrivacyError(
            gettext("%(purpose)r is not a purpose you can consent to.") % {"purpose": purpose},
            code="invalid_consent",
            field="purpose",
        )
    if source == Consent.Source.STAFF and not note.strip():
        raise PrivacyError(gettext("Say why you record this for the learner."), code="invalid_consent", field="note")
    if granted and below_digital_consent_age(user):
        raise TooYoung(
            gettext("Under %(age)s, you cannot turn this on yourself (GDPR Art. 8).")
            % {"age": conf.DIGITAL_CONSENT_AGE},
            field="purpose",
        )
    if granted and source != Consent.Source.POLICY_UPDATE and policy_confirmation_due(user):
        raise PolicyConfirmationDue(
            gettext("Our privacy policy changed: please read what changed and confirm your choices first."),
            field="purpose",
        )
    if granted and objected_for_good(user, purpose):
        raise ObjectedForGood(
            gettext("You objected to news by email, so we will not send it again (GDPR Art. 21(3))."), field="purpose"
        )
    if granted and (until := sale_opt_out_until(user, purpose)):
        raise OptedOutOfSale(
            gettext(
                "You opted out of the sale or sharing of your data, so we keep this off until %(date)s "
                "(Cal. Civ. Code §1798.135(c)(4)). After that you can turn it on here."
            )
            % {"date": date_format(timezone.localtime(until, user_timezone(user)), gettext("j F Y"))},
            field="purpose",
        )
    # The learner's row, not their latest entry: with no entry yet there would be nothing to lock.
    data_subject_lock(user.pk)
    current = Consent.objects.filter(user=user, purpose=purpose).order_by("-created_at", "-id").first()
    version = current_policy_version()
    unchanged = current is not None and current.granted == granted and current.policy_version == version
    # A grant given before the learner reached the digital age of consent does not count: granting
    # again now is a new choice, written to the ledger (GDPR Art. 8(1)).
    unchanged = unchanged and (not granted or consent_counts(user, current))
    # An objection, a Global Privacy Control signal and an opt-out of sale are written even over an equal
    # choice: the ledger keeps that the learner objected or opted out (which starts its 12 months), or
    # that their browser asked (shown on the Privacy tab).
    if unchanged and source not in (
        Consent.Source.OBJECTION,
        Consent.Source.GLOBAL_PRIVACY_CONTROL,
        Consent.Source.OPT_OUT_OF_SALE,
    ):
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


#: What a Global Privacy Control signal opts out of: under the CCPA, the "sale" and "sharing" of
#: personal information (Cal. Civ. Code §1798.120, 1798.135(e)); here marketing email and partners.
GLOBAL_PRIVACY_CONTROL_PURPOSES = (Purpose.MARKETING_EMAIL, Purpose.PARTNER_SHARING)


@transaction.atomic
def global_privacy_control_honour(*, user):
    """Record the browser's Global Privacy Control signal as the learner's opt-out, once per purpose.

    For each of ``GLOBAL_PRIVACY_CONTROL_PURPOSES`` without a signal in the ledger yet, an entry
    "not granted" with the source ``gpc`` is written (and the purpose is off from then on). It
    never turns anything on. A purpose the learner turns on themselves after the signal was
    recorded stays on: their own later choice is the consent the rules allow to be asked for
    (11 CCR §7025(c)(3)).

    Args:
        user: the signed-in learner whose request carried ``Sec-GPC: 1`` (GPC spec, §3).

    Returns:
        list of the purposes recorded now (empty when every one was recorded before).
    """
    # Requests sent at once, each with the signal, wait here for one another: one entry per purpose.
    data_subject_lock(user.pk)
    seen = set(
        Consent.objects.filter(
            user=user, purpose__in=GLOBAL_PRIVACY_CONTROL_PURPOSES, source=Consent.Source.GLOBAL_PRIVACY_CONTROL
        ).values_list("purpose", flat=True)
    )
    recorded = [purpose for purpose in GLOBAL_PRIVACY_CONTROL_PURPOSES if purpose not in seen]
    for purpose in recorded:
        consent_record(
            actor=user, user=user, purpose=purpose, granted=False, source=Consent.Source.GLOBAL_PRIVACY_CONTROL
        )
    return recorded


@transaction.atomic
def sale_opt_out_record(*, actor, user):
    """Record the learner's opt-out of the sale or sharing of their data: each of ``SALE_PURPOSES`` off at once.

    Written to the consent ledger with the source ``opt_out_of_sale`` even when already off,
    so that the 12 months during which the portal keeps it off and does not ask again count
    from now (Cal. Civ. Code §1798.120(a), §1798.135(c)(4); ``sale_opt_out_until``). Needs no
    verification of identity beyond the signed-in session (11 CCR §7026(d)).

    Args:
        actor: who filed the opt-out (the learner, or staff on their behalf), or None.
        user: the data subject.

    Returns:
        list of the ledger entries written, one per purpose of ``SALE_PURPOSES``.
    """
    return [
        consent_record(actor=actor, user=user, purpose=purpose, granted=False, source=Consent.Source.OPT_OUT_OF_SALE)
        for purpose in SALE_PURPOSES
    ]


@transaction.atomic
def sensitive_use_limit(*, actor, user, reference=""):
    """Limit the use of ``user``'s sensitive personal information to what the service needs, from now on.

    Cal. Civ. Code §1798.121, 11 CCR §7027: the portal then uses such information (the
    registry's ``sensitive_personal_information`` fields) only for the purposes §7027(m)
    allows (providing the service, security); ``may_process`` refuses any optional purpose
    that would use it. Takes effect at once, needs no verification beyond the signed-in
    session (§7027(b)), and is kept until the learner's account is erased. Limiting again
    keeps the first limit.

    Args:
        actor: who asked (the learner, or staff on their behalf), or None.
        user: the data subject.
        reference: the data-rights request that asked for it, if any.

    Returns:
        the ``SensitiveInformationLimit`` in force.
    """
    data_subject_lock(user.pk)
    limit, created = SensitiveInformationLimit.objects.get_or_create(user=user, defaults={"reference": reference})
    if created:
        audit_record(actor=actor, subject=user, action=AuditEvent.Action.SENSITIVE_USE_LIMITED)
    return limit


@transaction.atomic
def restriction_start(*, actor, user, reason):
    """Restrict all optional processing of ``user``'s data at once (GDPR Art. 18(1)).

    Returns:
        the active ``ProcessingRestriction`` (the existing one if already restricted).

    Raises:
        PrivacyError: empty reason (code ``invalid_restriction``).
    """
    if not reason.strip():
        raise PrivacyError(gettext("Say why processing is restricted."), code="invalid_restriction", field="reason")
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
    values = {"date": date_format(started, gettext("j F Y")), "reference": reference}
    with in_language_and_time_zone_of(user):  # the learner's language, not the staff member's who lifts it
        if reference:
            subject = gettext("Your request %(reference)s: we are lifting the pause on the use of your data") % values
            paused = gettext("On %(date)s we paused the use of your data at your request %(reference)s") % values
        else:
            subject = gettext("We are lifting the pause on the use of your data")
            paused = gettext("On %(date)s we paused the use of your data") % values
        body = gettext(
            "Hello,\n\n%(paused)s (restriction of processing, GDPR Art. 18). We are now lifting that pause. From now "
            "on we may again use your data for the optional purposes you agreed to, such as course recommendations "
            "or research.\n\nYou can turn each of them off on the Privacy tab at any time, or object to a use or ask "
            "for a new pause under Settings → Your data.\n\n-- Learner Portal privacy team\n"
        ) % {"paused": paused}
    send_mail(subject, body, None, [user.email])
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
        raise PrivacyError(
            gettext("%(policy)s is not a draft: only drafts can be activated.") % {"policy": policy},
            code="policy_not_draft",
        )

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
        # Within 12 months of an opt-out of sale, a policy update does not ask for it back.
        granted = granted and not sale_opt_out_until(user, purpose)
        consent_record(actor=user, user=user, purpose=purpose, granted=granted, source=Consent.Source.POLICY_UPDATE)
    acknowledgement, _ = PolicyAcknowledgement.objects.get_or_create(user=user, policy=policy)
    return acknowledgement
