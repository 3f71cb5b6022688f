"""The staff queue in Django admin, as support agents and the privacy officer use it through HTTP."""

import datetime
import re
import zoneinfo
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.regimes import Period
from learnerportal.tests.factories import EnrollmentFactory, RightsRequestFactory, UserFactory
from rights_requests import leases, services, tasks
from rights_requests.deadlines import due_at_for, end_of_day
from rights_requests.models import RequestEvent, Status

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/rights_requests/rightsrequest/"
ACTION_CHECKBOX_NAME = "_selected_action"
LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)


def change_url(rights_request):
    return f"{CHANGELIST}{rights_request.pk}/change/"


def submit(learner, request_type, **details):
    """File a request as the learner does: erasure/rectification/restriction wait for review."""
    return services.request_submit(actor=learner, subject=learner, request_type=request_type, details=details)


def make_row(*, request_type="access", status=Status.AWAITING_APPROVAL, due_in=30, **fields):
    """Create a request of a new learner directly, due at the end of the day ``due_in`` days from today."""
    today = timezone.localtime(timezone.now(), LONDON).date()
    return RightsRequestFactory(
        type=request_type,
        status=status,
        received_at=timezone.now() - datetime.timedelta(days=60),
        due_at=end_of_day(today + datetime.timedelta(days=due_in)),
        **fields,
    )


def messages_of(response):
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def _plain(html):
    """Return ``html`` as text: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _body_rows(tbody_html):
    return [
        [_plain(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody_html, re.S)
    ]


def text(response):
    return _plain(response.content.decode())


def table_rows(response, css_class):
    """Return the cell texts of each body row of the table with ``css_class``."""
    table = re.search(rf'<table class="[^"]*\b{css_class}\b[^"]*">(.*?)</table>', response.content.decode(), re.S)
    return _body_rows(re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S).group(1))


def result_rows(response):
    """Return the cell texts of each row of the changelist (the first cell is the checkbox)."""
    body = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', response.content.decode(), re.S)
    return _body_rows(body.group(1)) if body else []


def listed_references(response):
    return [row[1] for row in result_rows(response)]


def run_action(client, action, requests):
    """Choose ``action`` for ``requests`` on the changelist and press Run."""
    payload = {"action": action, "_selected_action": [str(r.pk) for r in requests], "index": "0"}
    return client.post(CHANGELIST, payload, follow=True)


def step_buttons(response):
    """Return the names of the step buttons on a request's page."""
    return set(
        re.findall(
            r'<button type="submit" class="button rr-step" name="CHANGE_FORM-action" value="([a-z_]+)"',
            response.content.decode(),
        )
    )


def submit_action_form(client, action, requests, url=CHANGELIST, field="action", **data):
    """Send the intermediate form of ``action`` (reason, note, months) as the browser does."""
    payload = {field: action, "_selected_action": [str(r.pk) for r in requests], "apply": "1", **data}
    return client.post(url, payload, follow=True)


# The list


def test_the_list_says_when_each_open_request_is_due_and_highlights_overdue_ones(client, agent, verified_login):
    with time_machine.travel(NOW, tick=False):
        overdue = make_row(due_in=-2)
        today = make_row(due_in=0, request_type="erasure")
        soon = make_row(due_in=3, request_type="portability")
        later = make_row(due_in=20, request_type="objection")
        closed = make_row(due_in=-40, status=Status.COMPLETED)
        verified_login(client, agent)

        response = client.get(CHANGELIST)

    html = response.content.decode()
    assert '<span class="rr-deadline rr-overdue">overdue by 2 days</span>' in html
    rows = {row[1]: row for row in result_rows(response)}
    assert rows[overdue.reference][7] == "overdue by 2 days"
    assert rows[today.reference][7] == "due today"
    assert rows[soon.reference][7] == "due in 3 days"
    assert rows[later.reference][7] == "due in 20 days"
    assert rows[closed.reference][7] == "-"
    columns = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', html)
    assert columns == ["reference", "learner", "right", "regime_shown", "state", "received", "deadline", "assignee"]
    # Open requests come first, the most urgent on top.
    assert listed_references(response) == [r.reference for r in (overdue, today, soon, later, closed)]


def test_the_list_shows_learner_type_received_date_and_assignee(client, agent, learner, verified_login):
    with time_machine.travel(NOW, tick=False):
        rights_request = submit(learner, "erasure")
        services.request_assign(actor=agent, request=rights_request, assignee=agent)
        verified_login(client, agent)

        response = client.get(CHANGELIST)

    [row] = result_rows(response)
    assert row[1:] == [
        rights_request.reference,
        "noor",
        "Erasure",
        "UK GDPR: 1 month",  # noor lives in the United Kingdom
        "Awaiting review",
        "10 Mar 2026, 12:00 GMT",
        "due in 31 days",
        "sam.agent",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("deadline=overdue", ["overdue"]),
        ("deadline=soon", ["today", "in_7_days"]),
        ("deadline=open", ["overdue", "today", "in_7_days", "in_8_days", "mine", "unassigned_processing"]),
        ("assigned=me", ["mine"]),
        ("assigned=anyone", ["mine", "someone_elses"]),
        ("assigned=nobody", ["overdue", "today", "in_7_days", "in_8_days", "unassigned_processing", "rejected"]),
        ("type=erasure", ["today"]),
        ("status__exact=processing", ["unassigned_processing"]),
        ("type=rectification&deadline=open", ["in_8_days"]),
    ],
)
def test_filters_narrow_the_queue(client, agent, officer, query, expected, verified_login):
    with time_machine.travel(NOW, tick=False):
        rows = {
            "overdue": make_row(due_in=-1),
            "today": make_row(due_in=0, request_type="erasure"),
            "in_7_days": make_row(due_in=7),
            "in_8_days": make_row(due_in=8, request_type="rectification"),
            "mine": make_row(due_in=20, assignee=agent),
            "someone_elses": make_row(due_in=-5, status=Status.COMPLETED, assignee=officer),
            "unassigned_processing": make_row(due_in=25, status=Status.PROCESSING),
            "rejected": make_row(due_in=-3, status=Status.REJECTED, request_type="rectification"),
        }
        verified_login(client, agent)

        response = client.get(f"{CHANGELIST}?{query}")

    assert response.status_code == 200
    assert sorted(listed_references(response)) == sorted(rows[name].reference for name in expected)


def test_staff_find_a_request_by_reference_email_or_username(client, agent, learner, verified_login):
    mine = submit(learner, "access")
    other = submit(UserFactory(username="kwame", email="kwame.mensah@example.org"), "access")
    verified_login(client, agent)

    assert listed_references(client.get(CHANGELIST, {"q": mine.reference})) == [mine.reference]
    assert listed_references(client.get(CHANGELIST, {"q": "kwame.mensah@example.org"})) == [other.reference]
    assert listed_references(client.get(CHANGELIST, {"q": "noor"})) == [mine.reference]
    assert listed_references(client.get(CHANGELIST, {"q": "nobody-like-this"})) == []


def test_the_list_takes_as_many_queries_for_100_requests_as_for_10(client, agent, officer, verified_login):
    verified_login(client, agent)

    def add_rows(count):
        for n in range(count):
            make_row(due_in=n - 5, request_type="access", assignee=(agent, officer, None)[n % 3])

    add_rows(10)
    with CaptureQueriesContext(connection) as ten:
        assert len(listed_references(client.get(CHANGELIST))) == 10
    add_rows(90)
    with CaptureQueriesContext(connection) as hundred:
        assert len(listed_references(client.get(CHANGELIST))) == 100

    assert len(hundred.captured_queries) == len(ten.captured_queries)


def test_learners_cannot_reach_the_queue(client, learner):
    rights_request = submit(learner, "access")
    client.force_login(learner)

    for url in (CHANGELIST, change_url(rights_request), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_staff_cannot_add_edit_or_delete_requests(client, officer, learner, verified_login):
    rights_request = submit(learner, "erasure")
    verified_login(client, officer)

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.get(f"{change_url(rights_request)[:-7]}delete/").status_code == 403
    response = client.post(change_url(rights_request), {"status": "completed", "_save": "Save"})
    assert response.status_code == 403
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL


# Actions


def test_an_agent_assigns_requests_to_themself(client, agent, learner, verified_login):
    first, second = submit(learner, "access"), submit(learner, "erasure")
    verified_login(client, agent)

    response = run_action(client, "assign_to_me", [first, second])

    assert messages_of(response) == [("success", f"Assigned to you 2 requests: {first.reference}, {second.reference}.")]
    for rights_request in (first, second):
        rights_request.refresh_from_db()
        assert rights_request.assignee == agent
        assert rights_request.events.filter(action=RequestEvent.Action.ASSIGNED, actor=agent).exists()
    assert sorted(listed_references(client.get(CHANGELIST, {"assigned": "me"}))) == sorted(
        [first.reference, second.reference]
    )


def test_an_agent_approves_a_rectification_once_confirmed(client, agent, learner, verified_login):
    rights_request = submit(learner, "rectification", changes={"phone": "+44 7700 900999"})
    verified_login(client, agent)

    response = run_action(client, "approve", [rights_request])

    assert "Approving tells each learner by email that their request is approved" in text(response)
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL, "nothing changes before the confirmation"
    response = submit_action_form(client, "approve", [rights_request])
    assert messages_of(response) == [("success", f"Approved 1 request: {rights_request.reference}.")]
    rights_request.refresh_from_db()
    assert rights_request.status == Status.APPROVED
    assert rights_request.events.filter(action=RequestEvent.Action.APPROVED, actor=agent).exists()


def test_an_agent_is_told_in_plain_words_that_verifying_an_erasure_is_the_officers(
    client, agent, learner, verified_login
):
    erasure = services.request_submit(actor=agent, subject=learner, request_type="erasure")
    verified_login(client, agent)

    response = submit_action_form(client, "verify_identity", [erasure], note="She called from her number.")

    assert (
        "error",
        f"{erasure.reference}: You are not allowed to verify the identity behind an erasure request; "
        "the privacy officer decides those.",
    ) in messages_of(response)
    erasure.refresh_from_db()
    assert erasure.status == Status.AWAITING_VERIFICATION


def test_an_agent_cannot_decide_an_erasure_and_nothing_changes_but_the_others_go_through(
    client, agent, learner, verified_login
):
    erasure = submit(learner, "erasure")
    restriction = submit(learner, "restriction", reason="I contest my grades.")
    verified_login(client, agent)

    confirmation = text(run_action(client, "approve", [erasure, restriction]))
    assert f"{erasure.reference}: its status or your role does not let you approve it; it is left as it is." in (
        confirmation
    )
    response = submit_action_form(client, "approve", [erasure, restriction])

    assert (
        "error",
        f"{erasure.reference}: You are not allowed to approve an erasure request; the privacy officer decides those.",
    ) in messages_of(response)
    assert ("success", f"Approved 1 request: {restriction.reference}.") in messages_of(response)
    response = submit_action_form(client, "reject", [erasure], reason="Not needed.")
    assert (
        "error",
        f"{erasure.reference}: You are not allowed to reject an erasure request; the privacy officer decides those.",
    ) in messages_of(response)
    erasure.refresh_from_db()
    assert erasure.status == Status.AWAITING_APPROVAL
    assert erasure.decision_reason == ""
    assert list(erasure.events.values_list("action", flat=True)) == ["submitted", "verified"]


def test_approving_an_erasure_asks_the_privacy_officer_to_confirm_and_changes_nothing(
    client, officer, learner, verified_login
):
    erasure = submit(learner, "erasure")
    mail.outbox.clear()
    verified_login(client, officer)

    response = run_action(client, "approve", [erasure])

    assert response.status_code == 200
    page = text(response)
    assert "Approve and carry out erasure?" in page
    assert "cannot be undone" in page
    # One calendar month (GDPR Art. 12(3)): 30 days from 30 November, 31 from 1 December.
    days = (timezone.localtime(erasure.due_at).date() - timezone.localdate()).days
    assert days in (28, 29, 30, 31)
    assert table_rows(response, "rr-selected") == [
        [erasure.reference, "noor", "Erasure", "Awaiting review", f"due in {days} days"]
    ]
    plan = {row[0]: row[1:] for row in table_rows(response, "rr-erasure-plan")}
    assert plan["The learner's account"] == ["Anonymised", "Replaced: username, email address, password, last login."]
    assert plan["The learner's profile"] == ["Deleted", "—"]
    payments = plan["The learner's payments"]
    assert "Replaced on erasure: method summary." in payments[1], "fields as staff read them, not column names"
    assert payments[0] == "Retained" and "GDPR Art. 17(3)(b)" in payments[1]
    assert "noor@example.org" not in page and "Noor Al-Hassan" not in page and "7700 900555" not in page
    html = response.content.decode()
    assert f'<input type="hidden" name="_selected_action" value="{erasure.pk}">' in html
    assert '<input type="hidden" name="action" value="approve">' in html
    assert '<input type="submit" class="default" value="Yes, erase">' in html
    assert 'name="csrfmiddlewaretoken"' in html.split('value="Yes, erase"')[0].rsplit("<form", 1)[1]
    assert f'href="{CHANGELIST}" class="closelink">Cancel</a>' in html
    erasure.refresh_from_db()
    learner.refresh_from_db()
    assert erasure.status == Status.AWAITING_APPROVAL
    assert list(erasure.events.values_list("action", flat=True)) == ["submitted", "verified"]
    assert learner.is_active and learner.email == "noor@example.org"
    assert mail.outbox == []


def test_yes_erase_carries_the_erasure_out(
    client, officer, learner, verified_login, django_capture_on_commit_callbacks
):
    erasure = submit(learner, "erasure")
    verified_login(client, officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = submit_action_form(client, "approve", [erasure])

    assert messages_of(response) == [("success", f"Approved 1 request: {erasure.reference}.")]
    erasure.refresh_from_db()
    learner.refresh_from_db()
    assert erasure.status == Status.COMPLETED
    assert erasure.result["erasure_receipt"]["scan"] == []
    assert not learner.is_active and learner.username.startswith("erased-")


def test_the_erasure_confirmation_works_from_the_request_page_and_cancel_goes_back_there(
    client, officer, learner, verified_login
):
    erasure = submit(learner, "erasure")
    verified_login(client, officer)

    response = client.post(
        change_url(erasure), {"CHANGE_FORM-action": "approve", "_selected_action": str(erasure.pk), "index": "0"}
    )

    html = response.content.decode()
    assert '<input type="hidden" name="CHANGE_FORM-action" value="approve">' in html
    assert f'href="{change_url(erasure)}" class="closelink">Cancel</a>' in html
    erasure.refresh_from_db()
    assert erasure.status == Status.AWAITING_APPROVAL

    response = submit_action_form(client, "approve", [erasure], url=change_url(erasure), field="CHANGE_FORM-action")

    assert response.redirect_chain[-1][0] == change_url(erasure)
    erasure.refresh_from_db()
    assert erasure.status == Status.APPROVED


def test_confirming_an_erasure_needs_the_csrf_token(officer, learner, verified_login):
    erasure = submit(learner, "erasure")
    browser = Client(enforce_csrf_checks=True)
    verified_login(browser, officer)

    page = browser.post(CHANGELIST, {"action": "approve", "_selected_action": [str(erasure.pk)], "index": "0"})
    assert page.status_code == 403, "the action itself is a POST with a token"
    response = browser.post(CHANGELIST, {"action": "approve", "_selected_action": [str(erasure.pk)], "apply": "1"})

    assert response.status_code == 403
    erasure.refresh_from_db()
    assert erasure.status == Status.AWAITING_APPROVAL


def test_an_agent_is_refused_an_erasure_before_any_confirmation(client, agent, learner, verified_login):
    erasure = submit(learner, "erasure")
    verified_login(client, agent)

    for response in (run_action(client, "approve", [erasure]), submit_action_form(client, "approve", [erasure])):
        assert "Yes, erase" not in response.content.decode()
        assert messages_of(response) == [
            (
                "error",
                f"{erasure.reference}: You are not allowed to approve an erasure request; "
                "the privacy officer decides those.",
            )
        ]
    erasure.refresh_from_db()
    assert erasure.status == Status.AWAITING_APPROVAL


def test_an_agent_is_not_offered_decisions_on_an_erasure_requests_page(client, agent, officer, learner, verified_login):
    erasure = submit(learner, "erasure")
    rectification = submit(learner, "rectification", changes={"phone": "+44 7700 900999"})

    def offered(user, rights_request):
        verified_login(client, user)
        return step_buttons(client.get(change_url(rights_request)))

    assert {"approve", "reject", "mark_completed"} & offered(agent, erasure) == set()
    assert offered(agent, erasure) == {"assign_to_me"}, "filed while signed in: verified already"
    assert {"approve", "reject"} <= offered(agent, rectification)
    assert {"approve", "reject"} <= offered(officer, erasure)

    verified_login(client, agent)
    forged = client.post(
        change_url(erasure),
        {"CHANGE_FORM-action": "approve", "_selected_action": str(erasure.pk), "apply": "1"},
    )
    assert forged.status_code == 403
    erasure.refresh_from_db()
    assert erasure.status == Status.AWAITING_APPROVAL


def test_the_privacy_officer_approves_other_requests_after_the_usual_confirmation(
    client, officer, learner, verified_login
):
    rectification = submit(learner, "rectification", changes={"phone": "+44 7700 900999"})
    verified_login(client, officer)

    assert "Approve these requests?" in text(run_action(client, "approve", [rectification]))
    response = submit_action_form(client, "approve", [rectification])

    assert messages_of(response) == [("success", f"Approved 1 request: {rectification.reference}.")]
    rectification.refresh_from_db()
    assert rectification.status == Status.APPROVED


def test_requests_closed_by_an_erasure_cannot_be_approved_in_the_queue(
    client, officer, learner, verified_login, django_capture_on_commit_callbacks
):
    rectification = submit(learner, "rectification", changes={"phone": "+44 7700 900999"})
    erasure = submit(learner, "erasure")
    verified_login(client, officer)
    with django_capture_on_commit_callbacks(execute=True):
        submit_action_form(client, "approve", [erasure])

    response = run_action(client, "approve", [rectification])

    assert messages_of(response) == [
        ("error", f"{rectification.reference}: A request that is “withdrawn” cannot be approved.")
    ]
    rectification.refresh_from_db()
    assert rectification.status == Status.WITHDRAWN
    page = text(client.get(change_url(rectification)))
    assert f"Closed: the account was erased under request {erasure.reference}." in page


def test_the_privacy_officer_rejects_an_erasure_with_a_reason(client, officer, learner, verified_login):
    erasure = submit(learner, "erasure")
    verified_login(client, officer)

    response = run_action(client, "reject", [erasure])
    assert response.status_code == 200
    assert f'<input type="hidden" name="_selected_action" value="{erasure.pk}">' in response.content.decode()
    assert '<input type="hidden" name="action" value="reject">' in response.content.decode()
    assert erasure.reference in text(response)

    response = submit_action_form(client, "reject", [erasure], reason="We must keep your records while you owe fees.")

    assert messages_of(response) == [("success", f"Rejected 1 request: {erasure.reference}.")]
    erasure.refresh_from_db()
    assert erasure.status == Status.REJECTED
    assert erasure.decision_reason == "We must keep your records while you owe fees."


def test_rejecting_needs_a_reason(client, agent, learner, verified_login):
    rights_request = submit(learner, "rectification", changes={"full_name": "Noor Hassan"})
    verified_login(client, agent)

    response = submit_action_form(client, "reject", [rights_request], reason="   ")

    assert response.status_code == 200
    assert "Please correct the error below." in text(response)
    assert "This field is required." in text(response)
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL


def test_the_privacy_officer_extends_a_deadline_once(client, officer, learner, verified_login):
    rights_request = submit(learner, "erasure")
    original_due = rights_request.due_at
    verified_login(client, officer)

    response = run_action(client, "extend_deadline", [rights_request])
    assert "Extend by" in text(response)
    response = submit_action_form(
        client, "extend_deadline", [rights_request], extension="2m", reason="Many years of records to review."
    )

    assert messages_of(response) == [("success", f"Extended the deadline of 1 request: {rights_request.reference}.")]
    rights_request.refresh_from_db()
    assert rights_request.due_at == due_at_for(rights_request.received_at, Period(months=3))
    assert rights_request.extension_reason == "Many years of records to review."

    response = submit_action_form(client, "extend_deadline", [rights_request], extension="1m", reason="Still busy.")

    assert messages_of(response) == [
        ("error", f"{rights_request.reference}: The deadline of this request has already been extended once.")
    ]
    rights_request.refresh_from_db()
    assert rights_request.due_at == due_at_for(rights_request.received_at, Period(months=3))
    assert rights_request.due_at != original_due
    assert rights_request.extension_reason == "Many years of records to review."


def test_extending_needs_a_reason(client, officer, learner, verified_login):
    rights_request = submit(learner, "erasure")
    verified_login(client, officer)

    response = submit_action_form(client, "extend_deadline", [rights_request], extension="2m", reason="")

    assert "This field is required." in text(response)
    rights_request.refresh_from_db()
    assert rights_request.extended_at is None


def test_agents_are_not_offered_extending_and_cannot_force_it(client, agent, learner, verified_login):
    rights_request = submit(learner, "erasure")
    verified_login(client, agent)

    assert 'value="extend_deadline"' not in client.get(CHANGELIST).content.decode()
    response = submit_action_form(client, "extend_deadline", [rights_request], extension="2m", reason="Busy.")

    assert not any(level == "success" for level, _ in messages_of(response))
    rights_request.refresh_from_db()
    assert rights_request.extended_at is None


def test_an_agent_verifies_the_identity_of_a_request_filed_on_a_learners_behalf(client, agent, learner, verified_login):
    rights_request = services.request_submit(actor=agent, subject=learner, request_type="access")
    verified_login(client, agent)

    response = submit_action_form(client, "verify_identity", [rights_request], note="")
    assert "This field is required." in text(response)
    response = submit_action_form(client, "verify_identity", [rights_request], note="Called them back on file.")

    assert messages_of(response) == [("success", f"Verified 1 request: {rights_request.reference}.")]
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL


def test_an_agent_retries_a_failed_request(client, agent, learner, verified_login):
    rights_request = submit(learner, "portability")
    leases.request_start(request=rights_request)
    tasks.request_fail(request=rights_request, error=RuntimeError("disk full"))
    verified_login(client, agent)

    response = run_action(client, "retry_failed", [rights_request])

    assert messages_of(response) == [("success", f"Sent back to processing 1 request: {rights_request.reference}.")]
    rights_request.refresh_from_db()
    assert rights_request.status == Status.APPROVED


def test_retrying_a_request_that_did_not_fail_is_refused_by_reference(client, agent, learner, verified_login):
    rights_request = submit(learner, "restriction", reason="I contest my grades.")
    verified_login(client, agent)

    response = run_action(client, "retry_failed", [rights_request])

    [(level, message)] = messages_of(response)
    assert level == "error"
    assert message.startswith(f"{rights_request.reference}: A request that is “awaiting review” cannot be")
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL


def test_an_agent_marks_a_request_carried_out_by_hand_completed_with_a_note(client, agent, learner, verified_login):
    rights_request = submit(learner, "access")
    leases.request_start(request=rights_request)
    verified_login(client, agent)

    response = submit_action_form(client, "mark_completed", [rights_request], note="")
    assert "This field is required." in text(response)
    rights_request.refresh_from_db()
    assert rights_request.status == Status.PROCESSING

    response = submit_action_form(client, "mark_completed", [rights_request], note="Report sent by post.")
    assert "This field is required." in text(response), "staff must confirm they did the work"
    rights_request.refresh_from_db()
    assert rights_request.status == Status.PROCESSING

    response = submit_action_form(
        client, "mark_completed", [rights_request], note="Report sent by post.", carried_out="on"
    )

    assert messages_of(response) == [("success", f"Completed 1 request: {rights_request.reference}.")]
    rights_request.refresh_from_db()
    assert rights_request.status == Status.COMPLETED
    assert rights_request.events.get(action=RequestEvent.Action.COMPLETED).note == "Report sent by post."


# The request's page


def test_the_request_page_shows_details_timeline_and_data_counts_but_no_editable_status(
    client, agent, learner, verified_login
):
    EnrollmentFactory(user=learner)
    EnrollmentFactory(user=learner)
    rights_request = submit(learner, "erasure", note="Please delete everything.")
    services.request_assign(actor=agent, request=rights_request, assignee=agent)
    verified_login(client, agent)

    response = client.get(change_url(rights_request))

    assert response.status_code == 200
    page = text(response)
    assert "Please delete everything." in page
    assert "noor@example.org" in page
    timeline = table_rows(response, "rr-timeline")
    assert [row[1:] for row in timeline] == [
        ["Request received", "noor", "Awaiting identity verification", "—"],
        [
            "Identity verified",
            "system",
            "Awaiting identity verification → Awaiting review",
            "You filed it while signed in to your account, so we know it is you.",
        ],
        ["Assigned", "sam.agent", "Awaiting review", "—"],
    ]
    data = {row[0]: row for row in table_rows(response, "rr-data")}
    assert data["The learner's course enrollments, progress and grades"][1:] == ["Education and learning", "2"]
    assert data["The learner's profile"][2] == "1"
    assert data["The learner's data-rights requests"][2] == "1"
    assert data["The history of the learner's data-rights requests"][2] == "3"
    assert not [description for description in data if re.search(r"\byou", description, re.I)], "the third person"
    assert "Type: Erasure (UK GDPR Art. 17)" in page, "not the learner's “Erasure of your data”"
    # Counts only: no values of the learner's data beyond who they are.
    assert "+44 7700 900555" not in page
    html = response.content.decode()
    assert 'name="status"' not in html
    assert 'name="_save"' not in html


def test_a_rectification_shows_the_proposed_changes_against_the_current_profile(client, agent, learner, verified_login):
    rights_request = submit(
        learner, "rectification", changes={"phone": "+44 7700 900999", "country": "PT", "occupation": ""}
    )
    verified_login(client, agent)

    response = client.get(change_url(rights_request))

    assert table_rows(response, "rr-changes") == [
        ["Phone", "+44 7700 900555", "→", "+44 7700 900999"],
        ["Country", "United Kingdom", "→", "Portugal"],
        ["Occupation", "(empty)", "→", "(empty)"],
    ]


def test_steps_can_be_taken_from_the_request_page(client, officer, learner, verified_login):
    erasure = submit(learner, "erasure")
    verified_login(client, officer)

    response = client.post(
        change_url(erasure),
        {"CHANGE_FORM-action": "reject", "_selected_action": str(erasure.pk), "index": "0"},
    )
    assert response.status_code == 200
    assert '<input type="hidden" name="CHANGE_FORM-action" value="reject">' in response.content.decode()

    response = submit_action_form(
        client, "reject", [erasure], url=change_url(erasure), field="CHANGE_FORM-action", reason="Unfounded."
    )

    assert response.redirect_chain[-1][0] == change_url(erasure)
    assert messages_of(response) == [("success", f"Rejected 1 request: {erasure.reference}.")]
    erasure.refresh_from_db()
    assert erasure.status == Status.REJECTED
    assert "Unfounded." in text(response)


# The dashboard


def test_the_admin_index_counts_open_requests_by_type_and_status_and_the_overdue_ones(client, agent, verified_login):
    with time_machine.travel(NOW, tick=False):
        make_row(request_type="erasure", due_in=-3)
        make_row(request_type="erasure", due_in=10)
        make_row(request_type="erasure", due_in=2, status=Status.APPROVED)
        make_row(request_type="access", due_in=5, status=Status.FAILED)
        make_row(request_type="access", due_in=-30, status=Status.COMPLETED)
        # An erasure whose scan found leftovers is not finished: it counts, and can be overdue.
        make_row(request_type="erasure", due_in=-1, status=Status.COMPLETED_WITH_FINDINGS)
        verified_login(client, agent)

        response = client.get("/admin/")

    page = text(response)
    assert "5 open" in page
    assert "2 overdue" in page
    assert "2 due within 7 days" in page
    matrix = {row[0]: row[1:] for row in table_rows(response, "rr-matrix")}
    # Columns: awaiting verification, awaiting review, approved, processing, failed, completed with findings, open.
    assert matrix["Erasure"] == ["0", "2", "1", "0", "0", "1", "4"]
    assert matrix["Access"] == ["0", "0", "0", "0", "1", "0", "1"]
    assert matrix["Portability"] == ["0", "0", "0", "0", "0", "0", "0"]


def test_the_dashboard_is_only_for_staff_who_may_see_requests(client, verified_login):
    verified_login(client, UserFactory(username="helpdesk", is_staff=True))

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "rr-dashboard" not in response.content.decode()


def test_a_forged_action_with_ids_that_are_not_ids_is_a_bad_request(client, agent, verified_login):
    verified_login(client, agent)
    response = client.post(CHANGELIST, {"action": "approve", ACTION_CHECKBOX_NAME: ["not-a-uuid"]})
    assert response.status_code == 400


def test_only_the_privacy_officer_completes_an_erasure_by_hand(client, agent, officer, learner, verified_login):
    rights_request = submit(learner, "erasure")
    services.request_approve(actor=officer, request=rights_request)
    verified_login(client, agent)
    response = submit_action_form(client, "mark_completed", [rights_request], note="Erased.", carried_out="on")
    assert messages_of(response)[0][0] == "error"
    rights_request.refresh_from_db()
    assert rights_request.status != Status.COMPLETED


def test_an_agent_approves_some_corrections_from_the_queue(client, agent, learner, verified_login):
    rights_request = services.request_submit(
        actor=learner,
        subject=learner,
        request_type="rectification",
        details={"changes": {"full_name": "Noor A. Hassan", "occupation": "Astronaut"}},
    )
    verified_login(client, agent)
    page = text(run_action(client, "approve_some", [rights_request]))
    assert "Full name → Noor A. Hassan" in page and "Occupation → Astronaut" in page

    # Without a reason the page comes back with the error beside the note and the box still ticked.
    again = submit_action_form(client, "approve_some", [rights_request], approved_fields=["full_name"])
    assert "Tell the learner why the corrections you did not tick are not made." in text(again)
    assert re.search(r'<input[^>]*value="full_name"[^>]*checked', again.content.decode())
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL

    submit_action_form(
        client, "approve_some", [rights_request], approved_fields=["full_name"], note="Not what your CV says."
    )
    rights_request.refresh_from_db()
    assert rights_request.details["approved_fields"] == ["full_name"]
    assert rights_request.status != Status.AWAITING_APPROVAL


def test_staff_find_work_being_retried_stuck_or_failed(client, agent, verified_login):
    lapsed = timezone.now() - datetime.timedelta(minutes=1)
    retrying = make_row(status=Status.APPROVED, attempts=1, lease_expires_at=timezone.now() + datetime.timedelta(1))
    stuck = make_row(status=Status.PROCESSING, lease_expires_at=lapsed)
    failed = make_row(status=Status.FAILED)
    make_row(status=Status.PROCESSING)  # waiting for staff: no lease, nothing wrong
    verified_login(client, agent)

    assert listed_references(client.get(CHANGELIST, {"work": "retrying"})) == [retrying.reference]
    assert listed_references(client.get(CHANGELIST, {"work": "stuck"})) == [stuck.reference]
    assert listed_references(client.get(CHANGELIST, {"work": "failed"})) == [failed.reference]
