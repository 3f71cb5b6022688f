"""Query budgets of the data-rights page and the staff queue: exact counts, independent of how many rows.

(Times are measured by ``make bench`` with 100,000 requests, never in tests.)
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learnerportal.tests.factories import UserFactory
from privacy.services import restriction_lift, restriction_start
from rights_requests.deadlines import due_at_for
from rights_requests.handlers import registered
from rights_requests.models import RightsRequest, Status
from rights_requests.services import request_lift_ask

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/rights_requests/rightsrequest/"
TYPES = [handler.type for handler in registered()]


def requests_for(subject, count, *, status=Status.COMPLETED, start=0):
    """Create ``count`` requests of ``subject`` directly (closed ones, so any number per type is allowed)."""
    now = timezone.now()
    RightsRequest.objects.bulk_create(
        RightsRequest(
            reference=f"DSR-QB-{subject.pk}-{start + n:05d}",
            subject=subject,
            type=TYPES[n % len(TYPES)],
            status=status,
            received_at=now - datetime.timedelta(days=40 + n),
            due_at=due_at_for(now - datetime.timedelta(days=40 + n)),
        )
        for n in range(count)
    )


def restriction_for(subject, standing, make_request):
    """Give ``subject`` a completed restriction request: ``"in force"`` (with an ask to lift it) or ``"lifted"``."""
    restriction_start(actor=None, user=subject, reason="Until my complaint is settled")
    completed = make_request("restriction", Status.COMPLETED, subject=subject, completed_at=timezone.now())
    if standing == "lifted":
        restriction_lift(actor=None, user=subject, reference=completed.reference)
    else:
        request_lift_ask(actor=subject, request=completed)
    return completed


@pytest.mark.parametrize("restriction", [None, "in force", "lifted"])
@pytest.mark.parametrize("count", [0, 2, 40])
def test_data_rights_page_costs_the_same_queries_whatever_the_learner_has(
    client, learner, make_request, django_assert_num_queries, count, restriction
):
    requests_for(learner, count)
    if restriction:
        restriction_for(learner, restriction, make_request)
    client.force_login(learner)

    # Session, user with the avatar's profile (which tells the learner's law too), active policy (none
    # here); the page's requests with how many there are and those still in use (open, or a restriction)
    # with the learner's asks to lift them; the learner's restrictions, read whether or not a request
    # keeps one (standings).
    with django_assert_num_queries(5):
        response = client.get("/settings/data/")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<a class="reference"') == min(count + bool(restriction), 20), "20 a page"
    assert ("In force since" in page) == (restriction == "in force")
    assert ("Lifted on" in page) == (restriction == "lifted")
    pages = -(-(count + bool(restriction)) // 20)
    assert (f"Page 1 of {pages}" in page) == (pages > 1)


def test_a_page_past_the_end_shows_the_last_one(client, learner, make_request):
    requests_for(learner, 45)
    restriction = restriction_for(learner, "in force", make_request)
    client.force_login(learner)

    page = client.get("/settings/data/?page=9").content.decode()

    assert "Page 3 of 3" in page
    assert page.count('<a class="reference"') == 6, "the oldest 6 of 46"
    assert f">DSR-QB-{learner.pk}-00044</a>" in page
    assert f">{restriction.reference}</a>" in page, "the right in use still shows it, above the list"


def queue_rows(count):
    """Create ``count`` requests of as many learners, a third of them open."""
    for n in range(count):
        subject = UserFactory()
        status = Status.AWAITING_APPROVAL if n % 3 == 0 else Status.COMPLETED
        requests_for(subject, 1, status=status, start=n)


@pytest.mark.parametrize("count", [10, 120])
@pytest.mark.parametrize(
    "query", [{}, {"deadline": "open", "type": "access"}, {"status": "completed"}], ids=["all", "open", "completed"]
)
def test_the_queue_costs_the_same_queries_for_any_number_of_requests(
    client, agent, verified_login, django_assert_num_queries, count, query
):
    queue_rows(count)
    verified_login(client, agent)

    # Session, user, authenticator, the agent's and their groups' permissions, the count for the
    # paginator, the page of requests with learner and assignee. No second count ("N of M" is off).
    with django_assert_num_queries(7):
        response = client.get(CHANGELIST, query)

    assert response.status_code == 200
    assert response.context["cl"].result_count == RightsRequest.objects.filter(**_as_filter(query)).count()


def _as_filter(query):
    if query.get("deadline") == "open":
        return {"status__in": [Status.AWAITING_APPROVAL], "type": query["type"]}
    return {"status": query["status"]} if "status" in query else {}


def test_a_page_of_the_queue_is_read_from_its_index_not_sorted(client, agent, verified_login):
    """The queue's order (open first, then by deadline) is the index rr_queue_order's, so no sort of every row."""
    queue_rows(5)
    verified_login(client, agent)
    with CaptureQueriesContext(connection) as captured:
        client.get(CHANGELIST)
    page_query = next(q["sql"] for q in captured.captured_queries if "ORDER BY CASE WHEN" in q["sql"])

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + page_query)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "rr_queue_order" in plan
    assert "Sort" not in plan  # read in the index's order: without it, PostgreSQL would have to sort


def test_a_filtered_queue_counts_its_rows_once_and_never_every_request(client, agent, verified_login):
    queue_rows(6)
    verified_login(client, agent)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST, {"status": "completed"})

    counts = [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"]]
    assert len(counts) == 1
    assert "WHERE" in counts[0]
    assert response.context["cl"].result_count == 4
