"""The steps a request's admin page offers, per status and role, as the agent and the officer use them through HTTP.

Which buttons appear follows the workflow's transition table and each role's
permissions; a step that affects the learner asks for confirmation first; a step
not offered is refused when forged. Staff read dates in one format, in the
platform's time zone.
"""

import datetime
import re
import zoneinfo
from html import unescape

import pytest
import time_machine

from learnerportal.tests.factories import UserFactory
from rights_requests.models import Status
from rights_requests.notifications import staff_reminder_email
from rights_requests.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/rights_requests/rightsrequest/"
FIELD = "CHANGE_FORM-action"
LONDON = zoneinfo.ZoneInfo("Europe/London")

#: Each button on a request's page: the workflow step it takes, the roles that may take it,
#: and whether it decides the request (an erasure's decisions are the privacy officer's alone, and so
#: is verifying the identity behind one: it cannot be undone).
BUTTONS = {
    "assign_to_me": ("assign", {"agent", "officer"}, False),
    "verify_identity": ("verify", {"agent", "officer"}, True),
    "approve": ("approve", {"agent", "officer"}, True),
    "reject": ("reject", {"agent", "officer"}, True),
    "extend_deadline": ("extend", {"officer"}, False),
    "retry_failed": ("retry", {"agent", "officer"}, False),
    "mark_completed": ("complete", {"agent", "officer"}, True),
    "remove_leftovers": ("clear", {"officer"}, False),
}


def expected_buttons(role, request_type, status):
    return {
        button
        for button, (step, roles, decides) in BUTTONS.items()
        if status in TRANSITIONS[step].sources
        and role in roles
        and not (decides and request_type == "erasure" and role == "agent")
    }


def change_url(rights_request):
    return f"{CHANGELIST}{rights_request.pk}/change/"


def step_buttons(response):
    html = response.content.decode()
    return set(re.findall(rf'<button type="submit" class="button rr-step" name="{FIELD}" value="([a-z_]+)"', html))


def plain(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def messages_of(response):
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


@pytest.fixture
def as_role(client, agent, officer, verified_login):
    """Return ``sign_in(role)``: the client signed in to the admin as "agent" or "officer"; returns the user."""

    def sign_in(role):
        user = {"agent": agent, "officer": officer}[role]
        verified_login(client, user)
        return user

    return sign_in


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("request_type", ["access", "erasure"])
@pytest.mark.parametrize("role", ["agent", "officer"])
def test_a_request_page_offers_the_steps_its_status_and_the_viewers_role_allow(
    client, as_role, make_request, role, request_type, status
):
    rights_request = make_request(request_type, status)
    as_role(role)

    response = client.get(change_url(rights_request))

    expected = expected_buttons(role, request_type, status)
    assert step_buttons(response) == expected
    if not expected:
        assert "No step is open to you on this request in its status." in plain(response)
    # The page's own action menu is replaced by the buttons.
    assert f'<select name="{FIELD}"' not in response.content.decode()


def test_no_approve_on_a_completed_request_and_no_erasure_decision_for_an_agent(client, as_role, make_request):
    completed = make_request("access", Status.COMPLETED)
    erasure = make_request("erasure", Status.AWAITING_APPROVAL)
    as_role("officer")
    assert "approve" not in step_buttons(client.get(change_url(completed)))
    as_role("agent")
    buttons = step_buttons(client.get(change_url(erasure)))
    assert buttons == {"assign_to_me"}, "an agent is not offered a decision only to be refused"


def test_assign_to_me_is_not_offered_to_the_assignee(client, as_role, make_request, agent):
    rights_request = make_request("access", Status.AWAITING_APPROVAL, assignee=agent)
    as_role("agent")

    assert "assign_to_me" not in step_buttons(client.get(change_url(rights_request)))


def test_extend_is_offered_only_once_and_only_before_the_deadline(client, as_role, make_request):
    now = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
    with time_machine.travel(now, tick=False):
        extended = make_request("access", Status.AWAITING_APPROVAL, extended_at=now, extension_reason="Busy.")
        overdue = make_request(
            "access",
            Status.AWAITING_APPROVAL,
            subject=UserFactory(),
            received_at=now - datetime.timedelta(days=40),
            due_at=now - datetime.timedelta(days=1),
        )
        as_role("officer")
        assert "extend_deadline" not in step_buttons(client.get(change_url(extended)))
        assert "extend_deadline" not in step_buttons(client.get(change_url(overdue)))


def test_approve_some_is_offered_on_a_rectification_with_proposed_values(client, as_role, make_request):
    rights_request = make_request("rectification", Status.AWAITING_APPROVAL, details={"changes": {"phone": "+1"}})
    as_role("agent")

    assert {"approve", "approve_some", "reject"} <= step_buttons(client.get(change_url(rights_request)))


#: (role, type, status, button, what its page asks for, then the posted answers, the status after).
STEPS_TAKEN = [
    ("agent", "access", Status.AWAITING_APPROVAL, "assign_to_me", None, {}, Status.AWAITING_APPROVAL),
    (
        "agent",
        "access",
        Status.AWAITING_VERIFICATION,
        "verify_identity",
        "How you verified their identity",
        {"note": "Confirmed by a reply from the account's email address."},
        Status.AWAITING_APPROVAL,
    ),
    ("agent", "access", Status.AWAITING_APPROVAL, "approve", "Approve these requests?", {}, Status.APPROVED),
    ("officer", "erasure", Status.AWAITING_APPROVAL, "approve", "Approve and carry out erasure?", {}, Status.APPROVED),
    (
        "agent",
        "rectification",
        Status.AWAITING_APPROVAL,
        "approve_some",
        "Make these corrections",
        {"approved_fields": "phone"},
        Status.APPROVED,
    ),
    (
        "officer",
        "erasure",
        Status.AWAITING_APPROVAL,
        "reject",
        "The learner is told this reason",
        {"reason": "We could not confirm who asked."},
        Status.REJECTED,
    ),
    (
        "officer",
        "access",
        Status.AWAITING_APPROVAL,
        "extend_deadline",
        "Extend by",
        {"extension": "2m", "reason": "Many requests at once."},
        Status.AWAITING_APPROVAL,
    ),
    ("agent", "access", Status.FAILED, "retry_failed", None, {}, Status.APPROVED),
    (
        "agent",
        "access",
        Status.PROCESSING,
        "mark_completed",
        "What was done",
        {"note": "The report was sent by post.", "carried_out": "on"},
        Status.COMPLETED,
    ),
]


@pytest.mark.parametrize(
    ("role", "request_type", "status", "button", "asks", "answers", "after"),
    STEPS_TAKEN,
    ids=[f"{row[0]}-{row[1]}-{row[3]}" for row in STEPS_TAKEN],
)
def test_each_button_takes_its_step_asking_first_where_the_learner_is_affected(
    client, as_role, make_request, role, request_type, status, button, asks, answers, after
):
    details = {"changes": {"phone": "+44 7700 900999"}} if request_type == "rectification" else {}
    rights_request = make_request(request_type, status, details=details)
    user = as_role(role)
    page = change_url(rights_request)
    assert button in step_buttons(client.get(page))

    response = client.post(page, {FIELD: button, "_selected_action": str(rights_request.pk)}, follow=True)

    if asks is not None:
        assert asks in plain(response)
        assert f'<input type="hidden" name="{FIELD}" value="{button}">' in response.content.decode()
        rights_request.refresh_from_db()
        assert rights_request.status == status, "nothing changes before the confirmation"
        assert rights_request.events.count() == 0
        response = client.post(
            page, {FIELD: button, "_selected_action": str(rights_request.pk), "apply": "1", **answers}, follow=True
        )
    assert response.redirect_chain[-1][0] == page
    assert [level for level, _ in messages_of(response)] == ["success"]
    rights_request.refresh_from_db()
    assert rights_request.status == after
    assert rights_request.events.filter(actor=user).exists()
    if button == "assign_to_me":
        assert rights_request.assignee == user
    if button == "extend_deadline":
        assert rights_request.extended_at is not None


def test_the_leftovers_button_opens_the_officers_leftovers_page(client, as_role, make_request):
    erasure = make_request("erasure", Status.COMPLETED_WITH_FINDINGS)
    as_role("officer")

    response = client.post(change_url(erasure), {FIELD: "remove_leftovers", "_selected_action": str(erasure.pk)})

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}{erasure.pk}/leftovers/"


#: (role, type, status, button) the page does not offer: forged, they are refused and nothing changes.
FORGED = [
    ("agent", "erasure", Status.AWAITING_APPROVAL, "approve"),
    ("agent", "erasure", Status.AWAITING_APPROVAL, "reject"),
    ("agent", "erasure", Status.PROCESSING, "mark_completed"),
    ("agent", "access", Status.AWAITING_APPROVAL, "extend_deadline"),
    ("agent", "erasure", Status.COMPLETED_WITH_FINDINGS, "remove_leftovers"),
    ("officer", "access", Status.COMPLETED, "approve"),
    ("officer", "access", Status.COMPLETED, "reject"),
    ("officer", "access", Status.APPROVED, "retry_failed"),
    ("officer", "access", Status.AWAITING_APPROVAL, "verify_identity"),
    ("officer", "access", Status.REJECTED, "assign_to_me"),
    ("officer", "access", Status.WITHDRAWN, "extend_deadline"),
]


@pytest.mark.parametrize(("role", "request_type", "status", "button"), FORGED)
def test_a_step_not_offered_is_refused_when_forged(client, as_role, make_request, role, request_type, status, button):
    rights_request = make_request(request_type, status)
    as_role(role)
    assert button not in step_buttons(client.get(change_url(rights_request)))

    response = client.post(
        change_url(rights_request),
        {FIELD: button, "_selected_action": str(rights_request.pk), "apply": "1", "reason": "x", "note": "x"},
    )

    assert response.status_code == 403
    rights_request.refresh_from_db()
    assert rights_request.status == status
    assert rights_request.events.count() == 0


def action_menu(response):
    select = re.search(r'<select name="action".*?</select>', response.content.decode(), re.S).group(0)
    return set(re.findall(r'<option value="([a-z_]+)"', select))


def test_the_lists_menu_offers_what_the_role_can_ever_take(client, as_role, make_request):
    make_request("access", Status.AWAITING_APPROVAL)

    as_role("agent")
    queue = client.get(CHANGELIST)
    assert "<h1>Data-rights queue</h1>" in queue.content.decode(), "the queue is called what the avatar menu calls it"
    agent_menu = action_menu(queue)
    as_role("officer")
    officer_menu = action_menu(client.get(CHANGELIST))

    common = {
        "assign_to_me",
        "verify_authority",
        "verify_identity",
        "approve",
        "approve_some",
        "reject",
        "retry_failed",
        "mark_completed",
        "lift_restriction",
    }
    assert agent_menu == common, "an agent never extends a deadline"
    assert officer_menu == common | {"extend_deadline"}
    # The leftovers concern one erasure: only on its page.
    assert "remove_leftovers" not in officer_menu


def test_the_list_refuses_a_forged_step_the_role_never_takes_and_one_the_state_forbids(client, as_role, make_request):
    open_request = make_request("access", Status.AWAITING_APPROVAL)
    completed = make_request("access", Status.COMPLETED)
    as_role("agent")
    forged = {"action": "extend_deadline", "_selected_action": [str(open_request.pk)], "apply": "1"}
    assert client.post(CHANGELIST, forged | {"extension": "1m", "reason": "x"}).status_code == 403

    as_role("officer")
    response = client.post(
        CHANGELIST, {"action": "approve", "_selected_action": [str(completed.pk)], "index": "0"}, follow=True
    )

    assert messages_of(response) == [
        ("error", f"{completed.reference}: A request that is “completed” cannot be approved.")
    ], "nothing to approve among the selection: refused at once, by reference"
    open_request.refresh_from_db()
    completed.refresh_from_db()
    assert open_request.extended_at is None
    assert completed.status == Status.COMPLETED


# Dates as staff read them


@pytest.mark.parametrize(
    ("received", "shown"),
    [
        (datetime.datetime(2026, 12, 7, 19, 10, tzinfo=datetime.UTC), "7 Dec 2026, 19:10 GMT"),
        (datetime.datetime(2026, 7, 7, 18, 10, tzinfo=datetime.UTC), "7 Jul 2026, 19:10 BST"),
    ],
)
def test_staff_read_dates_in_24_hours_in_the_platforms_time_zone_named(client, as_role, make_request, received, shown):
    with time_machine.travel(received, tick=False):
        rights_request = make_request("access", Status.AWAITING_APPROVAL, received_at=received)
        user = as_role("agent")
        client.post(change_url(rights_request), {FIELD: "assign_to_me", "_selected_action": str(rights_request.pk)})

        listed = plain(client.get(CHANGELIST))
        page = plain(client.get(change_url(rights_request)))

    assert shown in listed, "the list's received column"
    assert f"Received: {shown}" in page
    assert f"{shown} Assigned sam.agent" in page, "the history"
    due = rights_request.due_at.astimezone(LONDON)
    due_shown = f"{due.day} {due:%b %Y}, 23:59 {due.tzname()}"
    assert due_shown in page
    email = staff_reminder_email(user, due_soon=[rights_request], overdue=[])
    assert f"due {due_shown}" in email.body
    assert f"due {due_shown}" in email.alternatives[0].content


def test_the_erasure_confirmation_speaks_of_the_learners_records_not_yours(client, as_role, make_request):
    erasure = make_request("erasure", Status.AWAITING_APPROVAL)
    as_role("officer")

    response = client.post(change_url(erasure), {FIELD: "approve", "_selected_action": str(erasure.pk)})

    page = plain(response)
    assert "The learner's payments" in page
    assert not re.search(r"\b[Yy]our\b", page.split("What erasure does to each kind of record")[-1])


def test_a_list_filtered_by_status_offers_only_steps_that_start_from_it(client, as_role, make_request):
    make_request("restriction", Status.COMPLETED)
    as_role("officer")

    completed = action_menu(client.get(CHANGELIST, {"status__exact": "completed"}))
    open_ones = action_menu(client.get(CHANGELIST, {"deadline": "open"}))

    assert completed == {"lift_restriction"}, "no Approve, Reject or Verify on completed requests"
    assert {"approve", "reject", "verify_identity", "extend_deadline"} <= open_ones
    assert "lift_restriction" not in open_ones
