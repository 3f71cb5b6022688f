"""A learner sees every time in their own time zone, the zone named; deadlines still count in the platform's."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Profile
from accounts.services import personal_access_token_create
from learnerportal.tests.factories import UserFactory
from rights_requests import services
from rights_requests.reports import access_report_write

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
#: 23:30 in London on 31 January 2027 is already 1 February in Tokyo and still 18:30 in New York.
FILED_AT = datetime.datetime(2027, 1, 31, 23, 30, tzinfo=LONDON)


@pytest.fixture
def filed(learner, django_capture_on_commit_callbacks):
    """Return a function filing an access request for a learner living in ``zone`` at ``FILED_AT``."""

    def file(zone):
        Profile.objects.filter(user=learner).update(timezone=zone)
        learner.refresh_from_db()
        with time_machine.travel(FILED_AT, tick=False), django_capture_on_commit_callbacks(execute=True):
            return services.request_submit(
                actor=learner,
                subject=learner,
                request_type="rectification",
                details={"changes": {"full_name": "Noor Hassan"}},
            )

    return file


def test_a_learner_in_new_york_sees_when_their_request_was_received_in_new_york_time(client, learner, filed):
    request = filed("America/New_York")
    client.force_login(learner)

    page = client.get(f"/settings/data/{request.pk}/").content.decode()

    assert "31 January 2027, 18:30 EST" in page
    assert "23:30" not in page


def test_the_deadline_counts_in_the_platforms_calendar_and_shows_in_the_learners(client, learner, filed):
    """GDPR Art. 12(3): one month from the day received, in the platform's calendar: 28 February, London time."""
    request = filed("Asia/Tokyo")
    assert request.due_at == datetime.datetime.combine(datetime.date(2027, 2, 28), datetime.time.max, tzinfo=LONDON), (
        "counted from 31 January, London's day, though it was already 1 February in Tokyo"
    )
    assert request.reference.startswith("DSR-2027-")
    client.force_login(learner)

    page = client.get(f"/settings/data/{request.pk}/").content.decode()

    assert "1 February 2027, 08:30 JST" in page
    assert "1 March 2027" in page, "the end of 28 February in London is the morning of 1 March in Tokyo"


def test_without_a_time_zone_of_their_own_a_learner_sees_the_platforms(client, learner, filed):
    request = filed("")
    client.force_login(learner)

    assert "31 January 2027, 23:30 GMT" in client.get(f"/settings/data/{request.pk}/").content.decode()


def test_a_zone_the_host_no_longer_knows_shows_the_platforms_time_not_an_error(client, learner, filed):
    request = filed("America/New_York")
    Profile.objects.filter(user=learner).update(timezone="Mars/Olympus_Mons")  # as if removed from tzdata
    client.force_login(learner)

    answer = client.get(f"/settings/data/{request.pk}/")

    assert answer.status_code == 200
    assert "31 January 2027, 23:30 GMT" in answer.content.decode()


def test_staff_see_the_platforms_time_in_the_admin_whatever_their_own_zone(client, officer, verified_login, filed):
    request = filed("America/New_York")
    Profile.objects.filter(user=officer).update(timezone="Asia/Tokyo")
    officer.refresh_from_db()
    verified_login(client, officer)

    page = client.get(f"/admin/rights_requests/rightsrequest/{request.pk}/change/").content.decode()

    assert "31 Jan 2027, 23:30 GMT" in page
    assert "JST" not in page and "EST" not in page


def test_the_request_email_and_the_access_report_are_in_the_learners_time_zone(learner, filed):
    request = filed("Asia/Tokyo")
    [receipt] = [message for message in mail.outbox if request.reference in message.subject]
    assert "Received: 1 February 2027" in receipt.body and "We will answer by: 1 March 2027" in receipt.body

    report = io.StringIO()
    with time_machine.travel(FILED_AT, tick=False):
        access_report_write(learner, report)

    assert "1 February 2027, 08:30 JST" in report.getvalue()


def test_the_account_tab_says_what_the_time_zone_is_for(client, learner):
    client.force_login(learner)

    page = client.get("/settings/account/").content.decode()

    assert "Times on your pages, in our emails and in your reports are shown in it." in page
    assert "Left unset, the platform&#x27;s: Europe/London." in page


def test_before_filing_a_learner_in_tokyo_is_told_the_answer_date_in_tokyos_calendar(client):
    learner = UserFactory(profile__timezone="Asia/Tokyo")
    with time_machine.travel(FILED_AT, tick=False):
        client.force_login(learner)
        page = client.get("/settings/data/new/access/").content.decode()

    assert "We answer by <strong>1 March 2027</strong> at the latest" in page


def test_the_note_of_a_ready_file_gives_its_last_day_in_the_learners_time_zone_as_the_page_does(
    client, learner, django_capture_on_commit_callbacks
):
    """The worker writes the note; 02:00 in London, when the file ends, is still the day before in Los Angeles."""
    Profile.objects.filter(user=learner).update(timezone="America/Los_Angeles")
    learner.refresh_from_db()
    ready_at = datetime.datetime(2027, 1, 7, 2, 0, tzinfo=LONDON)
    with time_machine.travel(ready_at, tick=False):
        with django_capture_on_commit_callbacks(execute=True):  # the worker prepares the report
            request = services.request_submit(actor=learner, subject=learner, request_type="access")
        client.force_login(learner)
        page = client.get(f"/settings/data/{request.pk}/").content.decode()

    assert "Available until <time" in page and "13 January 2027, 18:00 PST" in page
    assert "until 14 January 2027" not in page, "the learner's 14 January never has the file"
    assert "in your account until 13 January 2027, 18:00 PST;" in page


def test_an_api_token_client_reads_times_in_its_owners_zone_as_the_browser_does(client, learner, filed):
    request = filed("Asia/Tokyo")
    _, raw_token = personal_access_token_create(
        actor=learner, user=learner, name="Sync script", scope="read", lifetime_days=30
    )
    url = f"/api/v1/me/requests/{request.pk}/"
    client.force_login(learner)

    by_token = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}").get(url).json()
    by_browser = client.get(url).json()
    by_token_again = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}").get(url).json()

    assert by_token["received_at"] == by_browser["received_at"] == "2027-02-01T08:30:00+09:00"
    assert by_token_again["received_at"] == by_token["received_at"]


def test_the_token_owners_zone_ends_with_the_request(learner, filed):
    filed("Asia/Tokyo")
    _, raw_token = personal_access_token_create(
        actor=learner, user=learner, name="Sync script", scope="read", lifetime_days=30
    )
    Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}").get("/api/v1/me/profile/")

    assert timezone.get_current_timezone() == LONDON, "the next request on this thread is not in Tokyo"
