"""The consent ledger and the processing gate: a learner's choice per purpose, objections, restriction of processing."""

from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.contrib.postgres.aggregates import BoolOr
from django.db import router
from django.db.models import Case, Count, Exists, F, Max, Q, Subquery, When, Window
from django.utils import timezone

from compliance.registry import Purpose, purposes_of_sensitive_information
from learnerportal.compiled_sql import CompiledQuery

from ..models import (
    CONSENT_PURPOSES,
    Consent,
    ProcessingRestriction,
    SensitiveInformationLimit,
)
from .age import below_digital_consent_age, chosen_before_consent_age
from .policies import current_policy_version

#: The purposes an objection stops for good: direct marketing (GDPR Art. 21(3)). An objection to
#: another optional purpose withdraws it like any withdrawal; the learner may grant it again.
OBJECTION_FINAL_PURPOSES = (Purpose.MARKETING_EMAIL,)

#: The ledger entries that stop their purpose for good.
_FINAL_OBJECTION = Q(purpose__in=OBJECTION_FINAL_PURPOSES, source=Consent.Source.OBJECTION)

_NEWEST_FIRST = (F("created_at").desc(), F("id").desc())

#: What the CCPA's "sale" or "sharing" of personal information is here (Cal. Civ. Code §1798.140(ad), (ah)):
#: handing a learner's progress and grades to the partner running their course. Course news by email is the
#: portal's own marketing, given to no third party: neither sold nor shared (the learner turns it off on the
#: Privacy tab, or objects). The portal does no cross-context behavioural advertising.
SALE_PURPOSES = (Purpose.PARTNER_SHARING,)

#: How long after an opt-out of sale or sharing the portal keeps it off and does not ask the learner to
#: allow it again (Cal. Civ. Code §1798.135(c)(4): "at least 12 months").
SALE_OPT_OUT_MONTHS = 12

#: The ledger entries that record an opt-out of sale or sharing.
_SALE_OPT_OUT = Q(purpose__in=SALE_PURPOSES, source=Consent.Source.OPT_OUT_OF_SALE)


def _opt_out_holds_until(opted_out_at):
    """Return until when an opt-out of sale recorded at ``opted_out_at`` (or None) holds, or None once it is over."""
    if opted_out_at is None:
        return None
    until = opted_out_at + relativedelta(months=SALE_OPT_OUT_MONTHS)
    return until if until > timezone.now() else None


def sale_opt_out_until(user, purpose=Purpose.PARTNER_SHARING):
    """Return until when ``user``'s opt-out of the sale or sharing of their data keeps ``purpose`` off, or None.

    For 12 months after the learner's latest opt-out (``SALE_PURPOSES`` only) the portal
    neither allows the purpose nor asks the learner to allow it again (Cal. Civ. Code
    §1798.120(a), §1798.135(c)(4)): ``consent_record`` refuses a grant and a policy update
    keeps it off. Afterwards the learner may turn it on themselves.

    Returns:
        an aware datetime, or None (never opted out, the 12 months are over, or another purpose).
    """
    if purpose not in SALE_PURPOSES:
        return None
    latest = Consent.objects.filter(_SALE_OPT_OUT, user=user, purpose=purpose).aggregate(at=Max("created_at"))["at"]
    return _opt_out_holds_until(latest)


def objected_for_good(user, purpose):
    """Return whether ``user`` objected to ``purpose`` and may never grant it again (GDPR Art. 21(3)).

    Only the purposes of ``OBJECTION_FINAL_PURPOSES`` (direct marketing) are stopped for good;
    for any other this is False without a query.
    """
    if purpose not in OBJECTION_FINAL_PURPOSES:
        return False
    return Consent.objects.filter(_FINAL_OBJECTION, user=user, purpose=purpose).exists()


@dataclass(frozen=True)
class ConsentState:
    """A learner's choice in force for one optional purpose: what the Privacy tab, the API and the gate read.

    Attributes:
        purpose: a key of ``CONSENT_PURPOSES``.
        latest: the ledger's latest entry for it, or None when never asked (which is off: opt-in).
        objected: an objection stopped it for good (``objected_for_good``, GDPR Art. 21(3)).
        granted: the learner allows it: the latest entry grants, it was not given before they
            reached the digital age of consent (``consent_counts``, GDPR Art. 8(1)), and no
            objection stopped it. ``may_process`` checks restriction and policy version beside this.
        sale_opt_out_until: until when the learner's opt-out of sale or sharing keeps it off and
            the portal does not ask for it (``sale_opt_out_until``), else None.
    """

    purpose: str
    latest: Consent | None
    objected: bool
    granted: bool
    sale_opt_out_until: object = None  # aware datetime, or None

    @property
    def description(self):
        """Return what agreeing means, in the Privacy tab's words."""
        return CONSENT_PURPOSES[self.purpose]


def _consent_state(user, purpose, latest, objected, opted_out_at=None):
    """Return the ``ConsentState`` of ``purpose`` from its latest ledger entry, whether it was objected to
    and when the learner last opted out of its sale (or None)."""
    return ConsentState(
        purpose=purpose,
        latest=latest,
        objected=objected,
        granted=not objected and consent_counts(user, latest),
        sale_opt_out_until=_opt_out_holds_until(opted_out_at),
    )


def consent_state(user, purpose):
    """Return ``user``'s ``ConsentState`` for the optional ``purpose``, in one query."""
    opt_outs = Consent.objects.filter(_SALE_OPT_OUT, user=user, purpose=purpose).order_by(*_NEWEST_FIRST)
    latest = (
        Consent.objects.filter(user=user, purpose=purpose)
        .annotate(
            objected=Exists(Consent.objects.filter(_FINAL_OBJECTION, user=user, purpose=purpose)),
            opted_out_at=Subquery(opt_outs.values("created_at")[:1]),
        )
        .order_by(*_NEWEST_FIRST)
        .first()
    )
    if latest is None:
        return _consent_state(user, purpose, None, objected=False)
    return _consent_state(user, purpose, latest, objected=latest.objected, opted_out_at=latest.opted_out_at)


#: Every column of a ledger entry: the states hold whole entries (``ConsentState.latest``), never deferred ones.
_CONSENT_COLUMNS = tuple(field.attname for field in Consent._meta.concrete_fields)


def _latest_per_purpose(user_id):
    """Return the latest ledger entry of each purpose ``user_id`` decided, with whether it was objected to for good.

    The window (every entry of the purpose) is read before ``DISTINCT ON`` keeps the latest.
    """
    return (
        Consent.objects.filter(user_id=user_id)
        .annotate(
            objected=Window(BoolOr(Case(When(_FINAL_OBJECTION, then=True), default=False)), partition_by=F("purpose")),
            opted_out_at=Window(Max(Case(When(_SALE_OPT_OUT, then=F("created_at")))), partition_by=F("purpose")),
        )
        .order_by("purpose", *_NEWEST_FIRST)
        .distinct("purpose")
        .values_list(*_CONSENT_COLUMNS, "objected", "opted_out_at")
    )


_LATEST_PER_PURPOSE = CompiledQuery(_latest_per_purpose)


def consent_states(user):
    """Return ``user``'s ``ConsentState`` of every optional purpose, in one query.

    Returns:
        ``{purpose: ConsentState}`` for every purpose of ``CONSENT_PURPOSES``, in that order.

    The query's SQL is compiled once per process (``CompiledQuery``): the Privacy tab,
    the API and the dashboard read it on every visit.
    """
    db = router.db_for_read(Consent)
    latest = {}
    for *columns, objected, opted_out_at in _LATEST_PER_PURPOSE.rows(user_id=user.pk):
        entry = Consent.from_db(db, _CONSENT_COLUMNS, columns)
        latest[entry.purpose] = (entry, objected, opted_out_at)
    return {
        purpose: _consent_state(user, purpose, *latest.get(purpose, (None, False, None)))
        for purpose in CONSENT_PURPOSES
    }


@dataclass(frozen=True)
class ConsentHistory:
    """The newest entries of a learner's consent ledger, as the history of choices lists them.

    Attributes:
        entries: ``Consent`` rows, newest first, at most the number asked for.
        total: how many entries the ledger holds.
    """

    entries: list
    total: int


def consent_history_recent(user, *, limit=50):
    """Return ``user``'s ``ConsentHistory``: the ``limit`` newest ledger entries and their number, in one query."""
    entries = list(consent_history(user).annotate(total=Window(Count("pk")))[:limit])
    return ConsentHistory(entries=entries, total=entries[0].total if entries else 0)


def consent_history(user):
    """Return the user's consent ledger, newest first (QuerySet of ``Consent``)."""
    return Consent.objects.filter(user=user).order_by("-created_at", "-id")


def consent_counts(user, consent):
    """Return whether the ledger entry ``consent`` (or None) is a grant that counts.

    It counts when it grants, and was not given before the learner reached the
    digital age of consent (``chosen_before_consent_age``). Other conditions of
    ``may_process`` (restriction, objection, policy version) are checked there.
    """
    return consent is not None and consent.granted and not chosen_before_consent_age(user, consent.created_at)


def restrictions_in_force():
    """Return the QuerySet of restrictions of processing in force (GDPR Art. 18), of every learner."""
    return ProcessingRestriction.objects.filter(lifted_at__isnull=True).order_by("pk")


def restrictions_of(user_ids):
    """Return the restrictions of processing (GDPR Art. 18), in force or lifted, of the users ``user_ids``.

    Returns:
        QuerySet of ``ProcessingRestriction``, oldest first.
    """
    return ProcessingRestriction.objects.filter(user_id__in=user_ids).order_by("started_at", "pk")


def active_restriction(user):
    """Return ``user``'s restriction of processing in force (GDPR Art. 18), or None."""
    return restrictions_in_force().filter(user=user).first()


def sensitive_use_limited(user):
    """Return when ``user`` limited the use of their sensitive personal information (Cal. Civ. Code §1798.121).

    Returns:
        an aware datetime, or None when they did not.
    """
    return SensitiveInformationLimit.objects.filter(user=user).values_list("created_at", flat=True).first()


def may_process(user, purpose):
    """Return whether the portal may use ``user``'s data for the optional ``purpose`` now.

    The one gate for every optional use of personal data. False when the
    account is inactive or erased, when processing is restricted (GDPR Art. 18),
    when the purpose uses sensitive personal information and the learner limited its
    use (Cal. Civ. Code §1798.121), when the learner does not grant the purpose now
    (``ConsentState.granted``: never asked, withdrawn — an opt-out of sale among
    them, Cal. Civ. Code §1798.120 —, given as a child, or objected to for good; GDPR
    Art. 6(1)(a), 7(3), 8(1), 21(3)), or when their consent was given under an
    earlier privacy policy they have not confirmed again.

    Args:
        user: the data subject.
        purpose: a key of ``CONSENT_PURPOSES``; an unknown purpose is never allowed.

    Returns:
        bool.
    """
    if purpose not in CONSENT_PURPOSES or not user.is_active:
        return False
    if below_digital_consent_age(user):
        return False  # a child's own consent does not count (GDPR Art. 8(1)), whenever it was given
    if ProcessingRestriction.objects.filter(user=user, lifted_at__isnull=True).exists():
        return False
    if purpose in purposes_of_sensitive_information() and sensitive_use_limited(user):
        return False  # Cal. Civ. Code §1798.121: such information serves only the service itself
    state = consent_state(user, purpose)
    if not state.granted:
        return False
    # After a new privacy policy, consents count again only once the learner confirmed them.
    return state.latest.policy_version == current_policy_version()
