"""The consent ledger and the processing gate: a learner's choice per purpose, objections, restriction of processing."""

from dataclasses import dataclass

from django.contrib.postgres.aggregates import BoolOr
from django.db.models import Case, Count, Exists, F, Q, When, Window
from django.db.models.functions import RowNumber

from compliance.registry import Purpose

from ..models import (
    CONSENT_PURPOSES,
    Consent,
    ProcessingRestriction,
)
from .age import below_digital_consent_age, chosen_before_consent_age
from .policies import current_policy_version

#: The purposes an objection stops for good: direct marketing (GDPR Art. 21(3)). An objection to
#: another optional purpose withdraws it like any withdrawal; the learner may grant it again.
OBJECTION_FINAL_PURPOSES = (Purpose.MARKETING_EMAIL,)

#: The ledger entries that stop their purpose for good.
_FINAL_OBJECTION = Q(purpose__in=OBJECTION_FINAL_PURPOSES, source=Consent.Source.OBJECTION)

_NEWEST_FIRST = (F("created_at").desc(), F("id").desc())


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
    """

    purpose: str
    latest: Consent | None
    objected: bool
    granted: bool

    @property
    def description(self):
        """Return what agreeing means, in the Privacy tab's words."""
        return CONSENT_PURPOSES[self.purpose]


def _consent_state(user, purpose, latest, objected):
    """Return the ``ConsentState`` of ``purpose`` from its latest ledger entry and whether it was objected to."""
    return ConsentState(
        purpose=purpose, latest=latest, objected=objected, granted=not objected and consent_counts(user, latest)
    )


def consent_state(user, purpose):
    """Return ``user``'s ``ConsentState`` for the optional ``purpose``, in one query."""
    latest = (
        Consent.objects.filter(user=user, purpose=purpose)
        .annotate(objected=Exists(Consent.objects.filter(_FINAL_OBJECTION, user=user, purpose=purpose)))
        .order_by(*_NEWEST_FIRST)
        .first()
    )
    return _consent_state(user, purpose, latest, objected=latest is not None and latest.objected)


@dataclass(frozen=True)
class ConsentLedger:
    """What the Privacy tab shows of a learner's consent ledger, read in one query.

    Attributes:
        states: ``{purpose: ConsentState}`` for every purpose of ``CONSENT_PURPOSES``, in that order.
        recent: the newest entries, newest first, at most the number asked for.
        total: how many entries the ledger holds.
    """

    states: dict
    recent: list
    total: int


def consent_ledger(user, *, recent=50):
    """Return ``user``'s ``ConsentLedger``: the state of each purpose and the ``recent`` newest entries.

    One query whatever the ledger's length: window functions rank each entry within
    its purpose and overall and note an objection for good anywhere in the purpose's
    entries; only the latest per purpose and the ``recent`` newest rows are read.
    """
    rows = (
        Consent.objects.filter(user=user)
        .annotate(
            place_in_purpose=Window(RowNumber(), partition_by=F("purpose"), order_by=_NEWEST_FIRST),
            place=Window(RowNumber(), order_by=_NEWEST_FIRST),
            objected=Window(BoolOr(Case(When(_FINAL_OBJECTION, then=True), default=False)), partition_by=F("purpose")),
            entries=Window(Count("pk")),
        )
        .filter(Q(place_in_purpose=1) | Q(place__lte=recent))
        .order_by(*_NEWEST_FIRST)
    )
    by_purpose, newest, total = {}, [], 0
    for row in rows:
        total = row.entries
        if row.place_in_purpose == 1:
            by_purpose[row.purpose] = row
        if row.place <= recent:
            newest.append(row)
    states = {}
    for purpose in CONSENT_PURPOSES:
        latest = by_purpose.get(purpose)
        states[purpose] = _consent_state(user, purpose, latest, objected=latest is not None and latest.objected)
    return ConsentLedger(states=states, recent=newest, total=total)


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


def may_process(user, purpose):
    """Return whether the portal may use ``user``'s data for the optional ``purpose`` now.

    The one gate for every optional use of personal data. False when the
    account is inactive or erased, when processing is restricted (GDPR Art. 18),
    when the learner does not grant the purpose now (``ConsentState.granted``: never
    asked, withdrawn, given as a child, or objected to for good; GDPR Art. 6(1)(a),
    7(3), 8(1), 21(3)), or when their consent was given under an earlier privacy
    policy they have not confirmed again.

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
    state = consent_state(user, purpose)
    if not state.granted:
        return False
    # After a new privacy policy, consents count again only once the learner confirmed them.
    return state.latest.policy_version == current_policy_version()
