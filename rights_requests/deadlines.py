"""Legal deadlines of rights requests.

GDPR Art. 12(3): the controller answers "without undue delay and in any event
within one month of receipt", extendable "by two further months where necessary".
How a period of months is counted comes from Regulation (EEC, Euratom)
No 1182/71, Art. 3: the day of receipt is not counted, and the period ends at the
end of the day in the last month with the same date as the day of receipt — or,
when that month has no such date, at the end of its last day.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.utils import timezone


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return the same date ``months`` later, or the month's last day when it has no such date.

    Example: 31 January + 1 month → 28 February (29 in a leap year), as Regulation
    1182/71 Art. 3(2)(c) counts it; ``dateutil.relativedelta`` clamps the same way.
    """
    return day + relativedelta(months=months)


def end_of_day(day: datetime.date) -> datetime.datetime:
    """Return the last moment of ``day`` in the platform's time zone, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=timezone.get_default_timezone())


def due_at_for(received_at: datetime.datetime, months: int = 1) -> datetime.datetime:
    """Return when a request received at ``received_at`` must be answered.

    Args:
        received_at: aware datetime of receipt; its date is taken in the platform's
            time zone (``TIME_ZONE``), so a request received at 00:30 local time
            counts from that local day even though it is the day before in UTC.
        months: length of the period (1 by default; GDPR Art. 12(3)).

    Returns:
        aware datetime: the end of the corresponding day ``months`` later, local time.
    """
    received_day = timezone.localtime(received_at, timezone.get_default_timezone()).date()
    return end_of_day(add_months(received_day, months))


def extended_due_at(received_at: datetime.datetime, months: int) -> datetime.datetime:
    """Return the deadline after extending by ``months`` (1 or 2) further months (GDPR Art. 12(3)).

    Raises:
        ValueError: when ``months`` is not 1 or 2.
    """
    if months not in (1, 2):
        raise ValueError("A deadline can be extended by one or two further months.")
    return due_at_for(received_at, 1 + months)
