"""Deadlines: each regime's period from receipt, counted in the platform's time zone."""

import datetime
import zoneinfo

import pytest

from compliance.regimes import Period
from rights_requests.deadlines import add_months, due_at_for, extended_due_at, regime_due_at

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
@pytest.mark.parametrize("regime_key", ["gdpr", "uk_gdpr", "default"])
def test_extension_adds_up_to_two_further_months_to_the_original_period(regime_key, months, due):
    extended = extended_due_at(local(2026, 1, 31, 12), Period(months=months), regime_key=regime_key)
    assert extended.date() == due


def test_extension_beyond_two_months_is_refused():
    with pytest.raises(ValueError, match="does not allow an extension"):
        extended_due_at(local(2026, 1, 31, 12), Period(months=3))


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (local(2026, 1, 31, 9), datetime.date(2026, 2, 28)),  # month end
        (local(2028, 1, 31, 9), datetime.date(2028, 2, 29)),  # leap year
        (local(2026, 3, 31, 9), datetime.date(2026, 4, 30)),
    ],
)
@pytest.mark.parametrize("regime_key", ["gdpr", "uk_gdpr", "default"])
def test_gdpr_like_regimes_give_one_calendar_month(regime_key, received, due):
    assert regime_due_at(received, regime_key, "access").date() == due


def test_ccpa_gives_45_calendar_days_across_a_month_end_and_a_clock_change():
    # 20 February + 45 days = 6 April; London's clocks go forward on 29 March 2026 and the deadline is the
    # end of that local day (summer time), not a day shifted by the lost hour.
    due = regime_due_at(local(2026, 2, 20, 16, 45), "ccpa", "access")
    assert due == local(2026, 4, 6, 23, 59, 59, 999999)
    assert due.utcoffset() == datetime.timedelta(hours=1)


def test_ccpa_extension_adds_45_more_days_and_nothing_else():
    received = local(2026, 2, 20, 16, 45)
    assert extended_due_at(received, Period(days=45), regime_key="ccpa").date() == datetime.date(2026, 5, 21)
    with pytest.raises(ValueError, match="does not allow an extension"):
        extended_due_at(received, Period(months=2), regime_key="ccpa")


def test_ccpa_opt_outs_count_15_business_days():
    # Friday 27 November 2026: 15 weekdays later is Friday 18 December.
    assert regime_due_at(local(2026, 11, 27, 10), "ccpa", "opt_out_of_sale").date() == datetime.date(2026, 12, 18)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Wednesday 18 November 2026: Thanksgiving (26th) and the day after are California state holidays,
        # so the 15th business day is Friday 11 December (9 December counting weekdays alone).
        (local(2026, 11, 18, 10), datetime.date(2026, 12, 11)),
        # Friday 18 December 2026: Christmas Day and New Year's Day (both Fridays) are skipped: Tuesday
        # 12 January 2027 (8 January counting weekdays alone).
        (local(2026, 12, 18, 10), datetime.date(2027, 1, 12)),
        # Friday 17 December 2027: Christmas falls on a Saturday and New Year's Day too, observed on the Fridays
        # 24 and 31 December: Tuesday 11 January 2028 (7 January counting weekdays alone).
        (local(2027, 12, 17, 10), datetime.date(2028, 1, 11)),
    ],
)
@pytest.mark.parametrize("request_type", ["opt_out_of_sale", "limit_sensitive_use"])
def test_ccpa_opt_outs_skip_californias_state_holidays(request_type, received, due):
    assert regime_due_at(received, "ccpa", request_type).date() == due


def test_business_days_without_a_calendar_skip_weekends_only():
    assert due_at_for(local(2026, 11, 18, 10), Period(business_days=15)).date() == datetime.date(2026, 12, 9)


def test_lgpd_gives_15_days_and_no_extension():
    received = local(2026, 12, 20, 11)
    assert regime_due_at(received, "lgpd", "access").date() == datetime.date(2027, 1, 4)
    assert regime_due_at(received, "lgpd", "confirmation").date() == datetime.date(2027, 1, 4)
    with pytest.raises(ValueError, match="does not allow an extension"):
        extended_due_at(received, Period(days=15), regime_key="lgpd", request_type="access")


def test_a_request_filed_at_00_30_in_london_by_a_learner_in_los_angeles_counts_from_the_london_day():
    # 00:30 on 1 March in London is 16:30 on 28 February in Los Angeles: deadlines count in the platform's
    # time zone, so the period starts on 1 March whatever the learner's clock says.
    received = local(2026, 3, 1, 0, 30)
    assert received.astimezone(zoneinfo.ZoneInfo("America/Los_Angeles")).date() == datetime.date(2026, 2, 28)
    assert regime_due_at(received, "ccpa", "access").date() == datetime.date(2026, 4, 15)
    assert regime_due_at(received, "gdpr", "access").date() == datetime.date(2026, 4, 1)
