"""Deadlines: one calendar month from receipt, counted in the platform's time zone."""

import datetime
import zoneinfo

import pytest

from rights_requests.deadlines import add_months, due_at_for, extended_due_at

LONDON = zoneinfo.ZoneInfo("Europe/London")


def local(*args):
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), datetime.date(2028, 2, 29)),  # leap year
        (datetime.date(2026, 3, 31), datetime.date(2026, 4, 30)),
        (datetime.date(2026, 12, 15), datetime.date(2027, 1, 15)),
        (datetime.date(2026, 2, 28), datetime.date(2026, 3, 28)),
    ],
)
def test_one_month_is_the_same_date_next_month_or_its_last_day(received, due):
    assert add_months(received, 1) == due


def test_deadline_is_the_end_of_that_day_in_local_time():
    due = due_at_for(local(2026, 1, 31, 9, 15))
    assert due == local(2026, 2, 28, 23, 59, 59, 999999)


def test_a_request_received_just_after_midnight_local_time_counts_from_that_local_day():
    # 00:30 on 1 April in London (summer time) is still 31 March in UTC.
    received = local(2026, 4, 1, 0, 30).astimezone(datetime.UTC)
    assert received.date() == datetime.date(2026, 3, 31)
    assert due_at_for(received).date() == datetime.date(2026, 5, 1)


@pytest.mark.parametrize(("months", "due"), [(1, datetime.date(2026, 3, 31)), (2, datetime.date(2026, 4, 30))])
def test_extension_adds_up_to_two_further_months_to_the_original_period(months, due):
    assert extended_due_at(local(2026, 1, 31, 12), months).date() == due


def test_extension_beyond_two_months_is_refused():
    with pytest.raises(ValueError, match="one or two further months"):
        extended_due_at(local(2026, 1, 31, 12), 3)
