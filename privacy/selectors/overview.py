"""What the Privacy tab and the dashboard sum up: safeguards, privacy at a glance, the privacy checkup."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.selectors import authenticators_in_use, backup_codes_unused, two_factor_enabled
from learnerportal.compiled_sql import CompiledQuery

from .. import conf
from ..models import (
    Audience,
)
from .consents import consent_states, restrictions_in_force
from .visibility import audiences_in_force, profile_visibility_of


@dataclass(frozen=True)
class Safeguards:
    """The Privacy tab's account facts beside the consents, read in one query.

    Attributes:
        two_factor_on: as ``two_factor_enabled``.
        backup_codes_left: as ``backup_codes_left``.
        restricted_since: when the restriction of processing in force began
            (``active_restriction``; GDPR Art. 18), or None.
    """

    two_factor_on: bool
    backup_codes_left: int
    restricted_since: datetime.datetime | None


def _safeguards(user_id):
    """Return the query of ``Safeguards``' values, in their order, for the user ``user_id``."""
    codes = (
        backup_codes_unused()
        .filter(device__user=OuterRef("pk"))
        .order_by()
        .values("device__user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        get_user_model()
        .objects.filter(pk=user_id)
        .values_list(
            Exists(authenticators_in_use().filter(user=OuterRef("pk"))),
            Coalesce(Subquery(codes[:1]), 0),
            Subquery(restrictions_in_force().filter(user=OuterRef("pk")).values("started_at")[:1]),
        )
    )


_SAFEGUARDS = CompiledQuery(_safeguards)


def safeguards_of(user):
    """Return ``user``'s ``Safeguards``: 2FA, backup codes left and a restriction in force, in one query.

    The query's SQL is compiled once per process (``CompiledQuery``): the Privacy tab reads it on every visit.
    """
    (row,) = _SAFEGUARDS.rows(user_id=user.pk)
    return Safeguards(*row)


def privacy_at_a_glance(user):
    """Return what the dashboard's privacy checkup shows: who sees the profile, 2FA, consents.

    Returns:
        dict with ``audience_counts`` (``[(Audience, number of profile fields)]``,
        widest audience first, only audiences in use), ``reviewed_at`` (datetime
        or None), ``two_factor`` (bool) and ``consents_on`` / ``consents_total``
        (ints, purposes currently granted / all optional purposes).
    """
    audiences = list(audiences_in_force(user).values())  # as the tab and the profile apply them
    states = consent_states(user)
    return {
        "audience_counts": [(a, audiences.count(a)) for a in Audience if a in audiences],
        "reviewed_at": profile_visibility_of(user).reviewed_at,
        "two_factor": two_factor_enabled(user),
        "consents_on": sum(1 for state in states.values() if state.granted),
        "consents_total": len(states),
    }


CHECKUP_DISMISSED_SESSION_KEY = "privacy_checkup_dismissed"


def privacy_checkup_due(request):
    """Return whether the dashboard should suggest reviewing the Privacy tab.

    True when the learner's last review (or, never reviewed, their sign-up) is
    older than ``PRIVACY_CHECKUP_AFTER_DAYS`` and they have not dismissed the
    suggestion in this session. Saving the Privacy tab counts as a review.
    """
    if request.session.get(CHECKUP_DISMISSED_SESSION_KEY):
        return False
    user = request.user
    last_review = profile_visibility_of(user).reviewed_at or user.date_joined
    return timezone.now() - last_review > datetime.timedelta(days=conf.CHECKUP_AFTER_DAYS)
