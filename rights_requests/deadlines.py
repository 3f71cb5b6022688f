"""Legal deadlines of rights requests.

GDPR Art. 12(3): the controller answers "without undue delay and in any event
within one month of receipt", extendable "by two further months where necessary".
How a period of months is counted comes from Regulation (EEC, Euratom)
No 1182/71, Art. 3: the day of receipt is not counted, and the period ends at the
end of the day in the last month with the same date as the day of receipt — or,
when that month has no such date, at the end of its last day.
"""

import datetime
import functools

import holidays
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from compliance.regimes import ONE_MONTH, REGIMES, Period, regime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return the same date ``months`` later, or the month's last day when it has no such date.

    Example: 31 January + 1 month → 28 February (29 in a leap year), as Regulation
    1182/71 Art. 3(2)(c) counts it; ``dateutil.relativedelta`` clamps the same way.
    """
    return day + relativedelta(months=months)


def end_of_day(day: datetime.date) -> datetime.datetime:
    """Return the last moment of ``day`` in the platform's time zone, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=timezone.get_default_timezone())


@functools.cache
def public_holidays(calendar: str):
    """Return the public holidays of ``calendar`` (ISO 3166-2, e.g. "US-CA"), a ``holidays`` dict-like of dates.

    Observed days count (Christmas on a Saturday closes the Friday before); years are added
    as they are looked up. "" has none.
    """
    if not calendar:
        return {}
    country, _, subdivision = calendar.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None)


def add_period(day: datetime.date, period: Period) -> datetime.date:
    """Return the last day of ``period`` counted from the day after ``day``.

    Months as ``add_months``; calendar days as they come (Cal. Civ. Code
    §1798.130(a)(2): "within 45 days of receiving"; LGPD Art. 19, II: "no prazo de
    até 15 (quinze) dias"); business days skip Saturdays, Sundays and the public holidays
    of the period's ``calendar`` (the CCPA Regulations count opt-outs in business days without
    defining them; the portal does not count California's state holidays, which ends later,
    never earlier, than counting weekdays alone).
    """
    if period.months:
        return add_months(day, period.months)
    if period.days:
        return day + datetime.timedelta(days=period.days)
    closed = public_holidays(period.calendar)
    left = period.business_days
    while left:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            left -= 1
    return day


def due_at_for(received_at: datetime.datetime, period: Period = ONE_MONTH) -> datetime.datetime:
    """Return when a request received at ``received_at`` must be answered.

    Args:
        received_at: aware datetime of receipt; its date is taken in the platform's
            time zone (``TIME_ZONE``), so a request received at 00:30 local time
            counts from that local day even though it is the day before in UTC.
        period: length of the period (one month by default; GDPR Art. 12(3)).

    Returns:
        aware datetime: the end of the period's last day, platform time.
    """
    received_day = timezone.localtime(received_at, timezone.get_default_timezone()).date()
    return end_of_day(add_period(received_day, period))


def regime_due_at(received_at: datetime.datetime, regime_key: str, request_type: str) -> datetime.datetime:
    """Return the deadline of a request of ``request_type`` received at ``received_at`` under ``regime_key``.

    The regime's ``DeadlineRule`` for the type decides the period (``compliance.regimes``).

    Raises:
        KeyError: an unknown regime.
    """
    return due_at_for(received_at, regime(regime_key).deadline_for(request_type).period)


def extended_due_at(
    received_at: datetime.datetime, extension: Period, *, regime_key: str = "gdpr", request_type: str = "access"
) -> datetime.datetime:
    """Return the deadline after extending a request's period by ``extension``, counted from receipt.

    GDPR and UK GDPR Art. 12(3): one month + one or two further months; Cal. Civ.
    Code §1798.130(a)(2): 45 days + 45 more.

    Raises:
        ValueError: ``extension`` is not one the regime allows for the type (the LGPD allows none).
    """
    rule = regime(regime_key).deadline_for(request_type)
    if not rule.allows(extension):
        raise ValueError(f"The {regime_key} regime does not allow an extension by {extension.key}.")
    return due_at_for(received_at, rule.period + extension)


def original_due_at(rights_request) -> datetime.datetime:
    """Return the deadline ``rights_request`` had before any extension: its regime's period from receipt."""
    return regime_due_at(rights_request.received_at, rights_request.regime, rights_request.type)


def latest_due_at(received_at: datetime.datetime, request_type: str) -> datetime.datetime:
    """Return the latest deadline any regime sets for a request of ``request_type`` received at ``received_at``.

    For a promise made before the regime is known, or without telling it: the answer to a
    request filed without signing in must read the same whether or not an account has the
    address (and so a regime), so it promises the longest of them (GDPR Art. 12(3); Cal. Civ.
    Code §1798.130(a)(2); LGPD Art. 19, II). Extensions are not included: they are told apart.
    """
    return max(regime_due_at(received_at, key, request_type) for key in REGIMES)
