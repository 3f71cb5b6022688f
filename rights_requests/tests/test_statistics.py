"""The privacy officer's statistics: weeks in the platform's calendar, answers on time, and who may see them."""

import csv
import datetime
import io
import zoneinfo

import pytest
import time_machine

from learnerportal.tests.factories import RequestEventFactory, RightsRequestFactory, UserFactory
from rights_requests.deadlines import due_at_for
from rights_requests.models import RequestEvent, Status
from rights_requests.statistics import request_statistics

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
#: Wednesday 14 July 2027, British Summer Time: the last 4 weeks start on 21 June, 28 June, 5 and 12 July.
NOW = datetime.datetime(2027, 7, 14, 12, 0, tzinfo=LONDON)
PAGE = "/admin/rights_requests/rightsrequest/statistics/"


def at(day, hour=10, minute=0):
    """Return ``day`` ("2027-06-21") at ``hour``:``minute`` in London."""
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=LONDON)


def request(request_type, received, *, status=Status.AWAITING_APPROVAL, reached=None):
    """Return a request received at ``received``; with ``reached``, its event into ``status`` at that time."""
    made = RightsRequestFactory(
        type=request_type, status=status, subject=UserFactory(), received_at=received, due_at=due_at_for(received)
    )
    if reached is not None:
        event = RequestEventFactory(request=made, action=RequestEvent.Action.COMPLETED, to_status=status)
        RequestEvent.objects.filter(pk=event.pk).update(created_at=reached)
    return made


@pytest.fixture
def history():
    """The requests of the four weeks before ``NOW``, and some from before them."""
    request("access", at("2027-06-21"), status=Status.COMPLETED, reached=at("2027-06-25"))  # 4 days, on time
    # Received before the period and answered in it, 11 days late: counts as answered, not received.
    request("access", at("2027-05-20"), status=Status.COMPLETED, reached=at("2027-07-01"))
    # Sunday 23:30 in London is 22:30 UTC: the week of 28 June. Rejected 1.4 days later, on time.
    request("erasure", at("2027-07-04", 23, 30), status=Status.REJECTED, reached=at("2027-07-06", 9, 0))
    # Monday 00:30 in London is still Sunday in UTC: the week of 5 July all the same.
    request("erasure", at("2027-07-05", 0, 30))
    request("objection", at("2027-06-01"))  # open, due 1 July: overdue now
    request("rectification", at("2027-07-12"), status=Status.WITHDRAWN, reached=at("2027-07-13"))
    # Answered in June, before the period; a lift of what it keeps in force, in the period, is no new answer.
    request("restriction", at("2027-06-01"), status=Status.COMPLETED, reached=at("2027-06-10"))
    lifted = RequestEventFactory(
        request=RequestEvent.objects.get(request__type="restriction").request,
        action=RequestEvent.Action.LIFTED,
        to_status=Status.COMPLETED,
    )
    RequestEvent.objects.filter(pk=lifted.pk).update(created_at=at("2027-07-07"))


@pytest.mark.usefixtures("history")
def test_weeks_run_monday_to_sunday_in_the_platforms_time_zone(django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        statistics = request_statistics(weeks=4, now=NOW)

    assert [(week.start.isoformat(), week.received, week.closed) for week in statistics.weeks] == [
        ("2027-06-21", 1, 1),
        ("2027-06-28", 1, 1),
        ("2027-07-05", 1, 1),
        ("2027-07-12", 1, 1),
    ]


@pytest.mark.usefixtures("history")
def test_each_type_says_how_many_answers_came_on_time_and_how_fast():
    """GDPR Art. 12(3): the answer is due within one month of receipt (as extended)."""
    statistics = request_statistics(weeks=4, now=NOW)
    by_type = {figures.type: figures for figures in statistics.types}

    access, erasure = by_type["access"], by_type["erasure"]
    assert (access.received, access.answered, access.on_time, access.median_days) == (1, 2, 1, 23.0)
    assert access.on_time_rate == 0.5
    assert (erasure.received, erasure.answered, erasure.on_time, erasure.median_days, erasure.open) == (2, 1, 1, 1.4, 1)
    assert (by_type["objection"].open, by_type["objection"].overdue) == (1, 1)
    assert by_type["rectification"].withdrawn == 1
    assert by_type["restriction"].answered == 0, "lifting a restriction answered in June is not an answer in July"
    assert by_type["portability"].on_time_rate is None
    total = statistics.total
    assert (total.received, total.answered, total.on_time, total.median_days, total.overdue) == (4, 3, 2, 4.0, 1)


@time_machine.travel(NOW, tick=False)
def test_the_officer_reads_the_figures_and_a_chart_drawn_on_the_server(client, officer, verified_login, history):
    verified_login(client, officer)

    page = client.get(PAGE, {"weeks": 4}).content.decode()

    assert '<svg class="rr-chart"' in page and 'role="img"' in page
    assert page.count("<rect x=") == 2 + 4 * 2, "a legend of two and two bars a week"
    assert "http" not in page.split('<svg class="rr-chart"')[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    ), "the chart fetches nothing"
    assert "67%" in page, "two of the three answers came on time"
    assert "Mon 12 Jul 2027 (to date)" in page


@time_machine.travel(NOW, tick=False)
def test_the_figures_download_as_csv_without_formulas(client, officer, verified_login, history):
    verified_login(client, officer)

    response = client.get(PAGE, {"weeks": 4, "export": "types"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="request-statistics-types-4w-2027-07-14.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[-1]["request_type"] == "All types"
    assert (rows[-1]["answered"], rows[-1]["on_time_percent"], rows[-1]["overdue_now"]) == ("3", "66.7", "1")
    weeks = client.get(PAGE, {"weeks": 4, "export": "weeks"}).content.decode().splitlines()
    assert weeks[0] == '"week_starting","received","closed"'


def test_a_period_not_offered_is_an_error_next_to_the_field(client, officer, verified_login):
    verified_login(client, officer)

    response = client.get(PAGE, {"weeks": "9999", "export": "types"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Choose one of the periods listed." in response.content.decode()


def test_support_agents_do_not_see_the_statistics(client, agent, verified_login):
    verified_login(client, agent)

    assert client.get(PAGE).status_code == 403
    assert "Statistics: on time, per week" not in client.get("/admin/").content.decode()


def test_the_admin_index_links_the_officer_to_the_statistics(client, officer, verified_login):
    verified_login(client, officer)

    assert "Statistics: on time, per week" in client.get("/admin/").content.decode()
