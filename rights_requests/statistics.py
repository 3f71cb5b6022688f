"""The privacy officer's figures: requests received and closed per week, answers on time per type and per regime.

A request is *answered* when it first reaches ``completed`` or ``rejected``: the learner then
has our reply, which the law's deadline is about (GDPR Art. 12(3): "without undue delay and
in any event within one month"). An erasure still removing leftovers
(``completed_with_findings``) is not answered yet. A request is *closed* when it is answered
or withdrawn. An answer is *on time* when it came by the request's deadline, extended or not,
which its regime set (one month under the GDPR, 45 days under the CCPA, 15 under the LGPD).
Weeks run Monday to Sunday in the platform's time zone, where staff work and deadlines count.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Aggregate, Count, DateTimeField, F, FloatField, OuterRef, Q, Subquery
from django.db.models.functions import Extract, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.regimes import RegimeKey

from .models import OPEN_STATUSES, RequestEvent, RightsRequest, Status
from .regime_rights import citation_under
from .request_types import registered

#: The statuses whose first reaching answers a request, and those that close it.
ANSWERED_STATUSES = (Status.COMPLETED, Status.REJECTED)
CLOSED_STATUSES = (*ANSWERED_STATUSES, Status.WITHDRAWN)
#: The periods the officer may choose, in weeks (the current week, to date, is the last of them).
PERIOD_WEEKS = (4, 12, 26, 52)
SECONDS_PER_DAY = 86_400


class _Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY expression)``; takes ``filter=``."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = FloatField()


@dataclass(frozen=True)
class WeekFigures:
    """One week's counts: ``start`` is its Monday (a date in the platform's time zone)."""

    start: datetime.date
    received: int
    closed: int


@dataclass(frozen=True)
class TypeFigures:
    """One request type's (or regime's) figures over the period (``type`` None for all types together).

    ``on_time_rate`` is a fraction 0–1 of ``answered``, and ``median_days`` the median time
    from receipt to answer in days; both None when nothing was answered in the period.
    ``open`` and ``overdue`` count requests open now, whenever received. A type's ``label``
    names it without a law (its requests may be under several); ``sources`` cites it under
    each regime its counted requests were filed under, in ``RegimeKey`` order.
    """

    type: str | None
    label: str
    received: int
    answered: int
    on_time: int
    withdrawn: int
    median_days: float | None
    open: int
    overdue: int
    sources: tuple[str, ...] = ()

    @property
    def on_time_rate(self):
        return self.on_time / self.answered if self.answered else None


@dataclass(frozen=True)
class RequestStatistics:
    """What ``request_statistics`` returns: the period ``[since, until)`` and its figures."""

    since: datetime.datetime
    until: datetime.datetime
    weeks: list[WeekFigures]
    types: list[TypeFigures]
    total: TypeFigures
    #: One per regime (``type`` is the regime's key), in ``RegimeKey`` order.
    regimes: list[TypeFigures]


def _week_start(moment):
    """Return the Monday 00:00 (platform time zone, aware) of the week holding ``moment``."""
    day = timezone.localtime(moment, timezone.get_default_timezone()).date()
    monday = day - datetime.timedelta(days=day.weekday())
    return datetime.datetime.combine(monday, datetime.time.min, tzinfo=timezone.get_default_timezone())


def _first_reaching(statuses, since, now):
    """Return the requests that first reached one of ``statuses`` in ``[since, now)``, with ``reached_at``.

    Only requests with such an event in the period are looked at, so the cost follows the
    period's events, not every request ever received.
    """
    in_period = RequestEvent.objects.filter(to_status__in=statuses, created_at__gte=since, created_at__lt=now)
    first = (
        RequestEvent.objects.filter(request=OuterRef("pk"), to_status__in=statuses)
        .order_by("created_at")
        .values("created_at")[:1]
    )
    return (
        RightsRequest.objects.filter(pk__in=in_period.values("request"))
        .annotate(reached_at=Subquery(first, output_field=DateTimeField()))
        .filter(reached_at__gte=since)
    )


def _answer_figures(prefix, only=None):
    """Return the aggregates of answered requests (``_first_reaching(ANSWERED_STATUSES, …)``), named ``prefix:…``.

    ``only`` (a ``Q``) narrows them to some requests, e.g. one type's: counts, and the median
    seconds from receipt to answer.
    """
    on_time = Q(reached_at__lte=F("due_at"))
    return {
        f"{prefix}:answered": Count("pk", filter=only),
        f"{prefix}:on_time": Count("pk", filter=on_time & only if only else on_time),
        f"{prefix}:median_seconds": _Median(Extract(F("reached_at") - F("received_at"), "epoch"), filter=only),
    }


def _prefixed(row, prefix):
    """Return the values of ``row`` (dict) named ``prefix:…``, without the prefix."""
    return {name.removeprefix(f"{prefix}:"): value for name, value in row.items() if name.startswith(f"{prefix}:")}


def _type_figures(type_, label, counts, answers, sources=()):
    """Return ``TypeFigures`` from a row of request counts and one of ``_answer_figures`` (dicts, may be empty)."""
    seconds = answers.get("median_seconds")
    return TypeFigures(
        type=type_,
        label=label,
        sources=tuple(sources),
        received=counts.get("received", 0),
        answered=answers.get("answered", 0),
        on_time=answers.get("on_time", 0),
        withdrawn=counts.get("withdrawn", 0),
        median_days=None if seconds is None else round(seconds / SECONDS_PER_DAY, 1),
        open=counts.get("open", 0),
        overdue=counts.get("overdue", 0),
    )


def request_statistics(*, weeks=12, now=None):
    """Return the figures of the last ``weeks`` weeks (the current one to date), in four queries.

    Args:
        weeks: the period's length in weeks, one of ``PERIOD_WEEKS``.
        now: the end of the period (default: now).

    Returns:
        ``RequestStatistics``: ``weeks`` oldest first (every week, empty ones too), ``types``
        one per registered request type in the registry's order, ``total`` for all types, and
        ``regimes`` one per regime (each request counted under the regime it was filed under).

    Raises:
        ValueError: ``weeks`` is not one of ``PERIOD_WEEKS``.
    """
    if weeks not in PERIOD_WEEKS:
        raise ValueError(f"weeks must be one of {PERIOD_WEEKS}, not {weeks!r}")
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    # Weeks are counted in calendar days: a week holding a clock change is still one week.
    first_monday = _week_start(now).date() - datetime.timedelta(weeks=weeks - 1)
    since = datetime.datetime.combine(first_monday, datetime.time.min, tzinfo=zone)
    received_in_period = Q(received_at__gte=since, received_at__lt=now)

    received = dict(
        RightsRequest.objects.filter(received_in_period)
        .annotate(week=TruncWeek("received_at", tzinfo=zone))
        .values_list("week")
        .annotate(count=Count("pk"))
        .order_by()
    )
    closed = dict(
        _first_reaching(CLOSED_STATUSES, since, now)
        .annotate(week=TruncWeek("reached_at", tzinfo=zone))
        .values_list("week")
        .annotate(count=Count("pk"))
        .order_by()
    )
    week_rows = []
    for offset in range(weeks):
        monday = first_monday + datetime.timedelta(weeks=offset)
        start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=zone)
        week_rows.append(WeekFigures(start=monday, received=received.get(start, 0), closed=closed.get(start, 0)))

    answered = _first_reaching(ANSWERED_STATUSES, since, now)
    rows = list(
        # Requests answered in the period but received before it count nothing here; they come to name
        # the regimes each type's figures are under (``sources``).
        RightsRequest.objects.filter(received_in_period | Q(status__in=OPEN_STATUSES) | Q(pk__in=answered.values("pk")))
        .values("type", "regime")
        .annotate(
            received=Count("pk", filter=received_in_period),
            withdrawn=Count("pk", filter=received_in_period & Q(status=Status.WITHDRAWN)),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        )
        .order_by()
    )
    counts = _summed_by(rows, "type")
    regime_counts = _summed_by(rows, "regime")
    # One row of aggregates, each type's FILTERed: grouping by type would also group by the
    # answer's time, which the query computes per request.
    aggregates = {}
    for handler in registered():
        aggregates.update(_answer_figures(handler.type, Q(type=handler.type)))
    for key in RegimeKey:
        aggregates.update(_answer_figures(f"regime-{key}", Q(regime=key)))
    answers = answered.aggregate(**aggregates, **_answer_figures("all"))
    # Which regimes each type's counted requests were filed under, to cite the type under each.
    filed_under = {(row["type"], row["regime"]) for row in rows}
    types = [
        _type_figures(
            handler.type,
            str(handler.name),
            counts.get(handler.type, {}),
            _prefixed(answers, handler.type),
            sources=[
                source
                for key in RegimeKey
                if (handler.type, key) in filed_under and (source := citation_under(key, handler.type))
            ],
        )
        for handler in registered()
    ]
    summed = {name: sum(row[name] for row in counts.values()) for name in _COUNTED}
    total = _type_figures(None, _("All types"), summed, _prefixed(answers, "all"))
    regimes = [
        _type_figures(key.value, key.label, regime_counts.get(key, {}), _prefixed(answers, f"regime-{key}"))
        for key in RegimeKey
    ]
    return RequestStatistics(since=since, until=now, weeks=week_rows, types=types, total=total, regimes=regimes)


_COUNTED = ("received", "withdrawn", "open", "overdue")


def _summed_by(rows, key):
    """Return ``{row[key]: {count name: sum}}`` of count rows (dicts) grouped by type and regime."""
    summed = {}
    for row in rows:
        into = summed.setdefault(row[key], dict.fromkeys(_COUNTED, 0))
        for name in _COUNTED:
            into[name] += row[name]
    return summed
