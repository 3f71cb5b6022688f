"""Opt-out of sale or sharing (Cal. Civ. Code §1798.120, §1798.135): partner sharing stops on filing, for 12 months."""

import datetime

import pytest
import time_machine
from django.core import mail

from compliance.erasure import erasure_execute
from compliance.registry import Purpose
from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, PolicyVersionFactory, UserFactory
from learnerportal.tests.support import learner_in, make_token, token_client
from privacy.exports import partner_roster
from privacy.models import Consent
from privacy.selectors import may_process
from privacy.services import consent_record, policy_activate
from rights_requests import services
from rights_requests.models import RightsRequest, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lives_where_the_right_is_given(learner):
    """The learner lives in California, whose CCPA/CPRA gives this right (§1798.120)."""
    learner_in("US", "CA", user=learner)


UTC = datetime.UTC
FILED_AT = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _share(user):
    consent_record(actor=user, user=user, purpose=Purpose.PARTNER_SHARING, granted=True, source="settings")


def test_opting_out_on_the_page_stops_partner_sharing_at_once_and_says_so(
    client, learner, django_capture_on_commit_callbacks
):
    _share(learner)
    course = CourseFactory()
    EnrollmentFactory(user=learner, course=course, progress_percent=60)
    client.force_login(learner)

    tab = client.get("/settings/data/").content.decode()
    assert "Do not sell or share my personal information" in tab
    assert 'href="/settings/data/new/opt_out_of_sale/"' in tab
    form = client.get("/settings/data/new/opt_out_of_sale/").content.decode()
    assert "we stop sharing your progress and grades with course partners" in form
    with django_capture_on_commit_callbacks(execute=True):
        filed = client.post("/settings/data/new/opt_out_of_sale/", {"note": ""}, follow=True)

    request = RightsRequest.objects.get(subject=learner)
    assert request.type == "opt_out_of_sale" and request.status == Status.COMPLETED
    assert not may_process(learner, Purpose.PARTNER_SHARING)
    assert may_process(learner, Purpose.MARKETING_EMAIL) is False  # never granted: untouched, not turned on
    latest = Consent.objects.filter(user=learner, purpose=Purpose.PARTNER_SHARING).first()
    assert (latest.granted, latest.source) == (False, "opt_out_of_sale")
    roster = partner_roster(partner=course.partner)
    assert roster.rows[0]["progress_percent"] == "", "the partner no longer gets her progress"
    assert "We received your request" in filed.content.decode()
    page = client.get(f"/settings/data/{request.pk}/").content.decode()
    assert "We have stopped sharing your progress and grades with course partners." in page
    (email,) = mail.outbox
    assert request.reference in email.subject and "We have stopped sharing your progress" in email.body


def test_opting_out_through_the_api_needs_nothing_but_the_type(learner, django_capture_on_commit_callbacks):
    _share(learner)
    api = token_client(make_token(learner))

    with django_capture_on_commit_callbacks(execute=True):
        filed = api.post("/api/v1/me/requests/", {"type": "opt_out_of_sale"}, content_type="application/json")

    assert filed.status_code == 201
    assert not may_process(learner, Purpose.PARTNER_SHARING), "in force as it was filed"
    shown = api.get(filed.json()["url"]).json()
    assert shown["status"] == "completed"
    assert "stopped sharing your progress and grades" in shown["outcome"]
    consents = {row["purpose"]: row for row in api.get("/api/v1/me/consents/").json()["results"]}
    assert consents["partner_sharing"]["opted_out_of_sale_until"].startswith(str(datetime.date.today().year + 1))
    assert consents["marketing_email"]["opted_out_of_sale_until"] is None, "course news by email is not a sale"


def test_for_twelve_months_partner_sharing_stays_off_and_is_not_asked_for_again(client, learner):
    # The learner joined before all this, whatever the date today: only accounts older than a policy confirm it.
    type(learner).objects.filter(pk=learner.pk).update(date_joined=FILED_AT - datetime.timedelta(days=30))
    with time_machine.travel(FILED_AT, tick=False):
        _share(learner)
        services.request_submit(actor=learner, subject=learner, request_type="opt_out_of_sale")

    with time_machine.travel(datetime.datetime(2027, 2, 28, 12, 0, tzinfo=UTC), tick=False):
        client.force_login(learner)
        api = token_client(make_token(learner))
        tab = client.get("/settings/privacy/").content.decode()
        refused = api.post(
            "/api/v1/me/consents/", {"purpose": "partner_sharing", "granted": True}, content_type="application/json"
        )
        client.post("/settings/privacy/consents/", {"purpose": "partner_sharing", "granted": "1"})
        still_off = not may_process(learner, Purpose.PARTNER_SHARING)
        # A new privacy policy asks the learner to confirm their consents: not this one.
        policy_activate(actor=None, policy=PolicyVersionFactory(version="2027-02"))
        confirm = client.get("/privacy/policy/confirm/").content.decode()
        client.post("/privacy/policy/confirm/", {"partner_sharing": "on", "research": "on"})
        after_confirming = may_process(learner, Purpose.PARTNER_SHARING), may_process(learner, Purpose.RESEARCH)

    row = tab.split("Share my progress and grades")[1].split("</li>")[0]
    assert "You opted out of the sale or sharing of your data, so this stays off." in row
    assert "1 March 2027" in row and "Turn on" not in row
    assert refused.status_code == 409 and refused.json()["code"] == "opted_out_of_sale"
    assert still_off
    assert 'name="partner_sharing"' not in confirm and 'name="research"' in confirm
    assert after_confirming == (False, True)

    with time_machine.travel(datetime.datetime(2027, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        api = token_client(make_token(learner, name="Later script"))
        granted = api.post(
            "/api/v1/me/consents/", {"purpose": "partner_sharing", "granted": True}, content_type="application/json"
        )
        assert granted.status_code == 200, "after 12 months the learner may turn it on themselves"
        assert may_process(learner, Purpose.PARTNER_SHARING)


def test_the_15_business_days_of_an_opt_out_skip_thanksgiving(client, learner, agent):
    # Filed on Wednesday 18 November 2026: Thursday 26 and Friday 27 are California state holidays.
    with time_machine.travel(datetime.datetime(2026, 11, 18, 10, 0, tzinfo=UTC), tick=False):
        request = services.request_submit(actor=agent, subject=learner, request_type="opt_out_of_sale")
        client.force_login(learner)
        page = " ".join(client.get(f"/settings/data/{request.pk}/").content.decode().split())

    assert "11 December 2026</time>" in page, "the 15th business day, not 9 December"


def test_withdrawing_an_opt_out_filed_by_staff_does_not_turn_sharing_back_on(client, learner, agent):
    _share(learner)
    request = services.request_submit(actor=agent, subject=learner, request_type="opt_out_of_sale")
    assert request.status == Status.AWAITING_VERIFICATION
    assert not may_process(learner, Purpose.PARTNER_SHARING), "no verification needed (11 CCR §7026(d))"

    services.request_withdraw(actor=learner, request=request)

    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert not may_process(learner, Purpose.PARTNER_SHARING)


def test_erasure_keeps_the_opt_out_in_the_ledger_without_the_learners_identity(learner):
    _share(learner)
    services.request_submit(actor=learner, subject=learner, request_type="opt_out_of_sale")
    erasure_execute(subject=learner)

    learner.refresh_from_db()
    entry = Consent.objects.get(user=learner, source="opt_out_of_sale")
    assert not entry.granted and learner.username.startswith("erased")
    assert not may_process(learner, Purpose.PARTNER_SHARING)


def test_nobody_can_opt_out_for_someone_else_or_read_their_opt_out(client, learner):
    other = UserFactory(username="mallory")
    _share(learner)
    mine = services.request_submit(actor=learner, subject=learner, request_type="opt_out_of_sale")
    api = token_client(make_token(other))

    forged = api.post(
        "/api/v1/me/requests/",
        {"type": "opt_out_of_sale", "subject": learner.pk},
        content_type="application/json",
    )
    client.force_login(other)

    assert forged.status_code == 400 and forged.json()["code"] == "invalid"
    assert not RightsRequest.objects.filter(subject=other).exists()
    assert api.get(f"/api/v1/me/requests/{mine.pk}/").status_code == 404
    assert client.get(f"/settings/data/{mine.pk}/").status_code == 404
