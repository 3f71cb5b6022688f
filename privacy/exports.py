"""What leaves the portal in exports: the research dataset and partner rosters.

Each export is shaped here, by selector-style functions, and written by a
management command that only parses arguments, calls these functions and
prints counts. Who is in an optional export is decided by
``privacy.selectors.may_process`` alone; nothing here reads consents.
"""

import os
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Q
from django.utils import timezone

from accounts.models import Enrollment, Partner
from compliance.registry import Purpose

from . import conf
from .selectors import may_process

RESEARCH_COLUMNS = (
    "course",
    "country",
    "learners",
    "mean_progress_percent",
    "completion_rate_percent",
    "mean_grade_percent",
)
ROSTER_COLUMNS = (
    "course",
    "learner",
    "enrolled_on",
    "progress_percent",
    "grade_percent",
    "completed_on",
)


@dataclass
class ResearchDataset:
    """The de-identified research dataset and how it was made.

    Attributes:
        rows: one dict per published group, keyed by ``RESEARCH_COLUMNS``.
        included: learners the gate allowed, whose enrollments were aggregated
            (those in suppressed groups too).
        excluded: enrolled learners the gate left out.
        suppressed_groups: groups left out for having fewer than ``min_group_size`` learners.
        min_group_size: the k-anonymity threshold applied.
        learner_ids: ids of the included learners, for their audit logs only (never written to the file).
    """

    rows: list[dict] = field(default_factory=list)
    learner_ids: list[int] = field(default_factory=list)
    included: int = 0
    excluded: int = 0
    suppressed_groups: int = 0
    min_group_size: int = 0


@dataclass
class PartnerRoster:
    """A partner's roster and how many learners share their progress with the partner.

    Attributes:
        rows: one dict per enrollment, keyed by ``ROSTER_COLUMNS``; the detail
            columns are "" for a learner without ``partner_sharing``.
        included: learners whose detail is in the roster.
        excluded: learners listed without detail.
        shares: ``{learner id: whether their detail is in the roster}`` for every listed learner.
    """

    rows: list[dict] = field(default_factory=list)
    shares: dict[int, bool] = field(default_factory=dict)
    included: int = 0
    excluded: int = 0


def _percent(value):
    return "" if value is None else f"{value:.1f}"


def _local_date(moment):
    return "" if moment is None else timezone.localtime(moment, timezone.get_default_timezone()).date().isoformat()


def research_dataset():
    """Return the research dataset: enrollments aggregated by course and country, de-identified.

    Only learners for whom ``may_process(user, "research")`` holds are counted.
    A group (course × country of the learner's profile) with fewer than
    ``PRIVACY_RESEARCH_MIN_GROUP_SIZE`` learners is left out (k-anonymity), and
    so is a mean grade computed from fewer graded learners than that, so that
    no row describes a handful of people (GDPR Art. 89(1): safeguards for
    research, data minimisation and pseudonymisation; Recital 26). No row holds
    a username, email, name, id or date.

    Returns:
        ``ResearchDataset``; rows are sorted by course slug, then country. Values:
        ``course`` slug, ``country`` ISO 3166-1 alpha-2 code ("" when the learner
        gave none), ``learners`` int, ``mean_progress_percent``,
        ``completion_rate_percent`` (completed ÷ learners × 100) and
        ``mean_grade_percent`` as strings with one decimal (mean grade "" when
        too few learners have a grade).
    """
    min_group_size = conf.RESEARCH_MIN_GROUP_SIZE
    candidates = list(get_user_model().objects.filter(enrollments__isnull=False).distinct().order_by("pk"))
    allowed = [user.pk for user in candidates if may_process(user, Purpose.RESEARCH)]
    dataset = ResearchDataset(
        learner_ids=allowed,
        included=len(allowed),
        excluded=len(candidates) - len(allowed),
        min_group_size=min_group_size,
    )
    groups = (
        Enrollment.objects.filter(user_id__in=allowed)
        .values("course__slug", "user__profile__country")
        .annotate(
            learners=Count("user", distinct=True),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            graded=Count("pk", filter=Q(grade_percent__isnull=False)),
            mean_progress=Avg("progress_percent"),
            mean_grade=Avg("grade_percent"),
        )
        .order_by("course__slug", "user__profile__country")
    )
    for group in groups:
        if group["learners"] < min_group_size:
            dataset.suppressed_groups += 1
            continue
        dataset.rows.append(
            {
                "course": group["course__slug"],
                "country": group["user__profile__country"] or "",
                "learners": group["learners"],
                "mean_progress_percent": _percent(group["mean_progress"]),
                "completion_rate_percent": _percent(100 * group["completed"] / group["learners"]),
                "mean_grade_percent": _percent(group["mean_grade"] if group["graded"] >= min_group_size else None),
            }
        )
    return dataset


def partner_lookup(identifier):
    """Return the partner named ``identifier`` (any case), else the one whose id it is.

    Raises:
        Partner.DoesNotExist: when no partner matches.
    """
    partner = Partner.objects.filter(name__iexact=identifier.strip()).first()
    if partner is None and identifier.strip().isdigit():
        partner = Partner.objects.filter(pk=int(identifier)).first()
    if partner is None:
        raise Partner.DoesNotExist
    return partner


def partner_roster(*, partner):
    """Return the roster of ``partner``'s courses: every enrollment, detail only with consent.

    Course, username and enrollment date are what running the course needs
    (GDPR Art. 6(1)(b), contract) and are listed for every enrolled learner.
    Progress, grade and completion are filled in only when
    ``may_process(user, "partner_sharing")`` holds (Art. 6(1)(a)), else "".

    Args:
        partner: a ``Partner``.

    Returns:
        ``PartnerRoster``; rows sorted by course slug, then username. Values are
        strings: ``course`` slug, ``learner`` username, ``enrolled_on`` and
        ``completed_on`` as ISO 8601 dates in the platform's time zone,
        ``progress_percent`` (0–100) and ``grade_percent`` (one decimal).
    """
    enrollments = (
        Enrollment.objects.filter(course__partner=partner)
        .select_related("user", "course")
        .order_by("course__slug", "user__username", "pk")
    )
    shares = {}
    roster = PartnerRoster()
    for enrollment in enrollments:
        user = enrollment.user
        if user.pk not in shares:
            shares[user.pk] = may_process(user, Purpose.PARTNER_SHARING)
        row = {
            "course": enrollment.course.slug,
            "learner": user.username,
            "enrolled_on": _local_date(enrollment.enrolled_at),
            "progress_percent": "",
            "grade_percent": "",
            "completed_on": "",
        }
        if shares[user.pk]:
            row["progress_percent"] = str(enrollment.progress_percent)
            row["grade_percent"] = _percent(enrollment.grade_percent)
            row["completed_on"] = _local_date(enrollment.completed_at)
        roster.rows.append(row)
    roster.shares = shares
    roster.included = sum(shares.values())
    roster.excluded = len(shares) - roster.included
    return roster


def open_private(path):
    """Open ``path`` for writing text, creating it readable by its owner only (mode 0600).

    Exports hold personal or research data; other accounts on the host must not read them.
    """
    # SECURITY: a new export file is never group- or world-readable, whatever the umask.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(descriptor, "w", encoding="utf-8", newline="")
