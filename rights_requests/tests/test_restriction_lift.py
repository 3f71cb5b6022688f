"""A restriction of processing in force, asked to be lifted by the learner and lifted by staff (GDPR Art. 18)."""

import datetime
import re
import zoneinfo
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from compliance.models import AuditEvent, StaffGroup
from privacy.models import ProcessingRestriction
from privacy.selectors import may_process
from privacy.services import consent_record, restriction_lift
from rights_requests import services
from rights_requests.models import RequestEvent, RightsRequest, Status

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
FILED = datetime.datetime(2026, 3, 10, 11, 0, tzinfo=LONDON)
APPROVED = datetime.datetime(2026, 3, 12, 11, 0, tzinfo=LONDON)
ASKED = datetime.datetime(2026, 4, 1, 11, 0, tzinfo=LONDON)
LIFTED = datetime.datetime(2026, 4, 2, 11, 0, tzinfo=LONDON)
CHANGELIST = "/admin/rights_requests/rightsrequest/"


def plain(response):
    """Return the page as text: tags dropped, entities decoded, whitespace collapsed."""
    assert response.status_code == 200
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def detail_url(rights_request):
    return f"/settings/data/{rights_request.pk}/"


@pytest.fixture
def restricted(signed_in, learner, agent, django_capture_on_commit_callbacks):
    """Learner noor (consenting to research) files a restriction on 10 March; agent sam approves it on 12 March.

    Returns:
        the completed restriction ``RightsRequest``; the mailbox is emptied.
    """
    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    with time_machine.travel(FILED, tick=False), django_capture_on_commit_callbacks(execute=True):
        signed_in.post("/settings/data/new/restriction/", {"reason": "My quiz results are wrong."})
    request = RightsRequest.objects.get(subject=learner, type="restriction")
    with time_machine.travel(APPROVED, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=agent, request=request)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    mail.outbox.clear()
    return request


def ask_to_lift(client, request, django_capture_on_commit_callbacks):
    with time_machine.travel(ASKED, tick=False), django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/settings/data/{request.pk}/lift/", follow=True)


@pytest.fixture
def staff(client, agent, verified_login):
    """Return a second client signed in to admin as agent sam, with two-factor authentication passed."""
    from django.test import Client

    staff_client = Client()
    verified_login(staff_client, agent)
    return staff_client


def test_a_restriction_in_force_reads_in_force_since_on_your_data_its_page_and_the_dashboard(signed_in, restricted):
    index = plain(signed_in.get("/settings/data/"))
    page = plain(signed_in.get(detail_url(restricted)))
    dashboard = plain(signed_in.get("/"))

    for text in (index, page, dashboard):
        assert "In force since 10 March 2026" in text
    assert "Completed Answered" not in index  # the badge no longer says "Completed"
    assert "Your restriction is in force" in page
    assert "Completed" not in page, "answered, not over"
    assert "Pause the use of your data" in dashboard and "Restriction of processing" not in dashboard
    assert "Since 10 March 2026 we have not used your data for anything optional." in page
    assert "Ask to lift the restriction" in page
    assert "What we did" not in page, "said once, by the restriction's own box"
    assert page.count("We have stopped every optional use of your data") == 1, "the history keeps the note"
    assert "Your open requests" in dashboard and restricted.reference in dashboard
    assert not may_process(restricted.subject, "research")


def test_the_learner_asks_to_lift_it_and_the_ask_is_in_the_history_the_audit_log_and_their_inbox(
    signed_in, restricted, django_capture_on_commit_callbacks
):
    response = ask_to_lift(signed_in, restricted, django_capture_on_commit_callbacks)

    page = plain(response)
    assert "We received your request to lift the restriction." in page
    assert "On 1 April 2026 you asked us to lift it." in page
    assert "Ask to lift the restriction" not in page, "no second ask offered"
    assert "You asked us to lift the restriction 1 April 2026, 11:00 BST · You" in page  # the history
    assert "In force since 10 March 2026" in page, "still in force until staff lift it"
    assert not may_process(restricted.subject, "research")
    event = restricted.events.get(action=RequestEvent.Action.LIFT_ASKED)
    assert (event.actor, event.from_status, event.to_status) == (restricted.subject, "completed", "completed")
    audit = AuditEvent.objects.get(
        subject=restricted.subject, action=AuditEvent.Action.REQUEST_STEP, changes__step="lift_asked"
    )
    assert audit.changes == {
        "request": restricted.reference,
        "step": "lift_asked",
        "status": ["completed", "completed"],
    }
    (email,) = mail.outbox
    assert email.subject == f"You asked us to lift the restriction of your request {restricted.reference}"
    assert "You asked us to lift this restriction: Pause the use of your data (UK GDPR Art. 18)." in email.body
    assert "Our privacy team will email you before they lift it." in email.body
    assert "Status: In force" in email.body and "Status: Completed" not in email.body
    assert "If you did not do this, change your password now" in email.body


def test_asking_twice_records_one_ask_and_one_email(signed_in, restricted, django_capture_on_commit_callbacks):
    ask_to_lift(signed_in, restricted, django_capture_on_commit_callbacks)
    ask_to_lift(signed_in, restricted, django_capture_on_commit_callbacks)

    assert restricted.events.filter(action=RequestEvent.Action.LIFT_ASKED).count() == 1
    assert len(mail.outbox) == 1


def test_staff_see_the_ask_in_the_queue_then_lifting_tells_the_learner_first_and_the_pages_read_lifted(
    signed_in, staff, restricted, django_capture_on_commit_callbacks
):
    assert restricted.reference not in plain(staff.get(f"{CHANGELIST}?asks=lift"))
    ask_to_lift(signed_in, restricted, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    queue = plain(staff.get(f"{CHANGELIST}?asks=lift"))
    assert restricted.reference in queue
    assert "Completed — learner asks to lift it" in queue

    with time_machine.travel(LIFTED, tick=False), django_capture_on_commit_callbacks(execute=True):
        done = staff.post(
            CHANGELIST,
            {
                "action": "lift_restriction",
                "_selected_action": [str(restricted.pk)],
                "index": "0",
                "apply": "1",
            },
            follow=True,
        )

    assert f"Lifted the restriction of 1 request: {restricted.reference}." in plain(done)
    (notice,) = mail.outbox  # GDPR Art. 18(3): told before it is lifted; one email for the step
    assert notice.subject == f"Your request {restricted.reference}: we are lifting the pause on the use of your data"
    assert may_process(restricted.subject, "research")
    assert restricted.reference not in plain(staff.get(f"{CHANGELIST}?asks=lift")), "no longer waiting"
    page = plain(signed_in.get(detail_url(restricted)))
    assert "Lifted on 2 April 2026" in page
    assert "We lifted it on 2 April 2026 , after telling you by email." in page  # "," after the <time>
    assert "Restriction lifted 2 April 2026, 11:00 BST · Our privacy team" in page
    assert "In force since" not in page and "Ask to lift the restriction" not in page
    assert "Lifted on 2 April 2026" in plain(signed_in.get("/settings/data/"))
    assert restricted.reference not in plain(signed_in.get("/")), "no longer on the dashboard"
    event = restricted.events.get(action=RequestEvent.Action.LIFTED)
    assert event.actor.username == "sam.agent"


def test_a_restrictions_admin_page_offers_lift_while_in_force_and_not_after(
    staff, restricted, make_request, django_capture_on_commit_callbacks
):
    def buttons(rights_request):
        html = staff.get(f"{CHANGELIST}{rights_request.pk}/change/").content.decode()
        return set(re.findall(r'name="CHANGE_FORM-action" value="([a-z_]+)"', html))

    assert "lift_restriction" in buttons(restricted)
    assert "lift_restriction" not in buttons(make_request("access", Status.COMPLETED)), "keeps nothing in force"

    lift = {"CHANGE_FORM-action": "lift_restriction", "_selected_action": [str(restricted.pk)]}
    page = staff.post(f"{CHANGELIST}{restricted.pk}/change/", lift)
    asked = plain(page)
    assert "Lift the restriction of processing" in asked and "The learner is emailed first" in asked
    assert 'type="checkbox"' not in page.content.decode(), "the button confirms; no box to tick as well"
    assert not restricted.events.filter(action=RequestEvent.Action.LIFTED).exists(), "asks before it lifts"
    with time_machine.travel(LIFTED, tick=False), django_capture_on_commit_callbacks(execute=True):
        staff.post(f"{CHANGELIST}{restricted.pk}/change/", lift | {"apply": "1"})

    assert restricted.events.filter(action=RequestEvent.Action.LIFTED).exists()
    assert len(mail.outbox) == 1, "the learner is told, once"
    assert "lift_restriction" not in buttons(restricted), "nothing left to lift"


def test_a_restriction_lifted_from_the_restrictions_list_reads_lifted_too(signed_in, restricted, agent):
    with time_machine.travel(LIFTED, tick=False):
        restriction_lift(actor=agent, user=restricted.subject)

    page = plain(signed_in.get(detail_url(restricted)))
    assert "Lifted on 2 April 2026" in page
    assert "Ask to lift the restriction" not in page


def test_an_ask_to_lift_a_restriction_already_lifted_is_refused_with_a_message(
    signed_in, restricted, agent, django_capture_on_commit_callbacks
):
    restriction_lift(actor=agent, user=restricted.subject)
    mail.outbox.clear()

    page = plain(ask_to_lift(signed_in, restricted, django_capture_on_commit_callbacks))

    assert "This restriction is already lifted." in page
    assert not restricted.events.filter(action=RequestEvent.Action.LIFT_ASKED).exists()
    assert not mail.outbox


def test_another_learner_cannot_ask_to_lift_it(client, restricted, amara):
    client.force_login(amara)

    assert client.post(f"/settings/data/{restricted.pk}/lift/").status_code == 404
    assert not restricted.events.filter(action=RequestEvent.Action.LIFT_ASKED).exists()


def test_a_restriction_under_review_is_in_force_but_is_withdrawn_rather_than_lifted(
    signed_in, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post("/settings/data/new/restriction/", {"reason": "My quiz results are wrong."})
    request = RightsRequest.objects.get(subject=learner)

    page = plain(signed_in.get(detail_url(request)))
    response = signed_in.post(f"/settings/data/{request.pk}/lift/", follow=True)

    assert "Withdraw this request" in page and "Ask to lift the restriction" not in page
    assert "A request that is “awaiting review” cannot be lifted." in plain(response)
    assert ProcessingRestriction.objects.filter(user=learner, lifted_at__isnull=True).exists()


# The API


def test_the_api_shows_the_restriction_in_force_and_lets_the_learner_ask_to_lift_it(
    api, restricted, django_capture_on_commit_callbacks
):
    url = f"/api/v1/me/requests/{restricted.pk}/"
    before = api.get(url).json()
    assert before["status"] == "completed", "the status keeps its value; fields are added"
    assert before["in_force_since"] == "2026-03-10T11:00:00Z"
    assert (before["lifted_at"], before["lift_asked_at"], before["can_ask_to_lift"]) == (None, None, True)

    with time_machine.travel(ASKED, tick=False), django_capture_on_commit_callbacks(execute=True):
        asked = api.post(f"{url}lift/")

    assert asked.status_code == 200
    assert asked.json()["lift_asked_at"] == "2026-04-01T11:00:00+01:00"
    assert asked.json()["can_ask_to_lift"] is False
    assert asked.json()["timeline"][-1]["what"] == "You asked us to lift the restriction"


def test_the_api_refuses_to_lift_a_request_that_keeps_nothing_in_force(api, learner, make_request):
    access = make_request(request_type="access", status=Status.COMPLETED)

    response = api.post(f"/api/v1/me/requests/{access.pk}/lift/")

    assert response.status_code == 409
    assert response.json() == {
        "code": "transition_not_allowed",
        "detail": "Access requests keep nothing in force to lift.",
        "fields": {},
    }
    detail = api.get(f"/api/v1/me/requests/{access.pk}/").json()
    assert (detail["in_force_since"], detail["lifted_at"], detail["can_ask_to_lift"]) == (None, None, False)


# In the browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_learner_sees_the_restriction_in_force_and_asks_to_lift_it_in_a_browser(live_server, page, screenshot):
    from playwright.sync_api import expect

    from learnerportal.tests.factories import UserFactory, staff_member
    from learnerportal.tests.support import sign_in

    amara = UserFactory(username="amara", email="amara@example.org")
    agent = staff_member("sam.support", StaffGroup.SUPPORT_AGENT)
    request = services.request_submit(
        actor=amara, subject=amara, request_type="restriction", details={"reason": "My quiz results are wrong."}
    )
    services.request_approve(actor=agent, request=request)
    since = ProcessingRestriction.objects.get(user=amara).started_at
    since_text = f"In force since {timezone.localtime(since):%-d %B %Y}"
    sign_in(page, f"{live_server.url}/accounts/login/", "amara")

    page.goto(f"{live_server.url}/settings/data/")
    row = page.get_by_role("row").filter(has_text=request.reference)
    expect(row).to_contain_text(since_text)
    expect(row).not_to_contain_text("Completed")
    expect(page.get_by_text("You already asked:")).to_contain_text(since_text)
    screenshot(page, "1-your-data")

    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("region", name="Your open requests")).to_contain_text(since_text)
    screenshot(page, "2-dashboard")

    page.goto(f"{live_server.url}/settings/data/{request.pk}/")
    expect(page.get_by_role("heading", name="Your restriction is in force")).to_be_visible()
    page.get_by_role("button", name="Ask to lift the restriction").click()
    expect(page.get_by_role("status")).to_contain_text("We received your request to lift the restriction.")
    expect(page.get_by_text("you asked us to lift it.")).to_be_visible()
    expect(page.get_by_role("button", name="Ask to lift the restriction")).to_have_count(0)
    screenshot(page, "3-lift-asked")
