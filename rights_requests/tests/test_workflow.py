"""The request lifecycle: every allowed and forbidden step, permissions, duplicates, failures."""

import datetime
import re
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from compliance.models import AuditEvent
from compliance.registry import Delete, registry
from compliance.selectors import REQUEST_STEP_WORDS
from learnerportal.tests.factories import AgentFilingFactory, UserFactory
from privacy.models import ProcessingRestriction
from privacy.services import restriction_start
from rights_requests import agents, leases, services, tasks
from rights_requests.exceptions import (
    AccountClosed,
    DuplicateOpenRequest,
    InvalidRequestDetails,
    NotPermitted,
    TransitionNotAllowed,
)
from rights_requests.handlers import handler_for
from rights_requests.models import PublicRequestEvent, RequestEvent, RightsRequest, Status
from rights_requests.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db


def run_step(step, request, *, learner, officer, make_request=None):
    """Take ``step`` on ``request`` through its service, as someone allowed to take it."""
    if step == "close":
        # No service of its own: completing the learner's erasure closes their other requests.
        erasure = make_request(request_type="erasure", status="processing", subject=request.subject)
        return tasks.request_complete(actor=officer, request=erasure, note="Erased by hand.")
    if step == "verify":
        return services.request_verify(actor=officer, request=request, note="Checked their ID document.")
    if step == "verify_authority":
        filing = AgentFilingFactory(rights_request=request)
        filing.events.create(action=PublicRequestEvent.Action.AUTHORISATION_OPENED, actor=officer)
        return agents.agent_authority_verify(actor=officer, request=request, note="Signed by the learner.")
    if step == "object":
        return agents.agent_request_object(public_request=AgentFilingFactory(rights_request=request))
    if step == "approve":
        return services.request_approve(actor=officer, request=request)
    if step == "reject":
        return services.request_reject(actor=officer, request=request, reason="Manifestly unfounded.")
    if step == "withdraw":
        return services.request_withdraw(actor=learner, request=request)
    if step == "start":
        return leases.request_start(request=request)
    if step == "complete":
        return tasks.request_complete(actor=officer, request=request, note="Sent by post.")
    if step == "complete_with_findings":
        leftover = {"table": "accounts_profile", "column": "bio", "identifier": "email", "rows": 1}
        RightsRequest.objects.filter(pk=request.pk).update(result={"erasure_receipt": {"scan": [leftover]}})
        return tasks.request_complete(actor=officer, request=request, note="Erased.")
    if step in ("redact", "clear"):
        # An identifier still in another learner's bio keeps the erasure open; one found nowhere closes it.
        other = UserFactory(username="zeynep")
        other.profile.bio = "Ask ghost@example.org"
        other.profile.save()
        email = "ghost@example.org" if step == "redact" else "nobody-has-this@example.org"
        RightsRequest.objects.filter(pk=request.pk).update(
            result={"erasure_receipt": {"scan": []}}, erasure_identifiers={"email": email}
        )
        return services.request_leftovers_resolve(actor=officer, request=request)
    if step == "fail":
        return tasks.request_fail(request=request, error=RuntimeError("boom"))
    if step == "retry":
        return services.request_retry(actor=officer, request=request)
    if step == "requeue":
        # Recovery takes back work whose lease ran out (a worker killed while it ran or before it started).
        lapsed = timezone.now() - datetime.timedelta(seconds=1)
        RightsRequest.objects.filter(pk=request.pk).update(lease_expires_at=lapsed)
        return tasks.request_recover(request=request)
    if step in ("ask_lift", "lift"):
        # A restriction of processing in force, as filing one starts it (GDPR Art. 18(1)).
        restriction_start(actor=None, user=request.subject, reason="My grades are wrong.")
        if step == "ask_lift":
            return services.request_lift_ask(actor=learner, request=request)
        return services.request_lift(actor=officer, request=request)
    if step == "assign":
        return services.request_assign(actor=officer, request=request, assignee=officer)
    if step == "extend":
        return services.request_extend(actor=officer, request=request, months=2, reason="Many requests at once.")
    raise AssertionError(step)


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("step", TRANSITIONS)
def test_every_step_is_allowed_exactly_from_its_source_statuses(step, status, learner, officer, make_request):
    transition = TRANSITIONS[step]
    request_type = {"close": "access", "ask_lift": "restriction", "lift": "restriction"}.get(step, "erasure")
    request = make_request(request_type=request_type, status=status)

    if status in transition.sources:
        run_step(step, request, learner=learner, officer=officer, make_request=make_request)
        request.refresh_from_db()
        assert request.status == (transition.target or status)
        event = request.events.get()
        assert (event.action, event.from_status, event.to_status) == (transition.action, status, request.status)
    elif step in ("start", "close", "requeue"):
        # A queued task finding nothing to do; an erasure leaving the learner's closed requests alone;
        # recovery leaving alone what is not queued or running.
        run_step(step, request, learner=learner, officer=officer, make_request=make_request)
        request.refresh_from_db()
        assert request.status == status
        assert not request.events.exists()
    else:
        with pytest.raises(TransitionNotAllowed):
            run_step(step, request, learner=learner, officer=officer)
        request.refresh_from_db()
        assert request.status == status
        assert not request.events.exists()


def test_learner_filing_an_access_request_is_verified_approved_and_carried_out(
    learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type="access")

    request.refresh_from_db()
    actions = list(request.events.values_list("action", flat=True))
    assert actions == ["submitted", "verified", "approved", "processing", "completed"]
    assert request.status == Status.COMPLETED  # the access report is prepared without staff
    assert request.reference.startswith("DSR-20")


def test_erasure_waits_for_the_privacy_officer(learner, agent, officer, django_capture_on_commit_callbacks):
    request = services.request_submit(actor=learner, subject=learner, request_type="erasure")
    assert request.status == Status.AWAITING_APPROVAL

    with pytest.raises(NotPermitted, match="the privacy officer decides"):
        services.request_approve(actor=agent, request=request)
    with pytest.raises(NotPermitted):
        services.request_reject(actor=agent, request=request, reason="No.")
    request.refresh_from_db()
    assert request.status == Status.AWAITING_APPROVAL

    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=request)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED  # carried out at once: the account is erased


def test_agents_approve_other_types_but_cannot_extend_deadlines(learner, agent, make_request):
    request = make_request(request_type="restriction")
    services.request_approve(actor=agent, request=request)
    with pytest.raises(NotPermitted):
        services.request_extend(actor=agent, request=request, months=1, reason="Busy.")


def test_learners_and_other_learners_cannot_take_staff_steps(learner, make_request):
    request = make_request(request_type="access")
    with pytest.raises(NotPermitted):
        services.request_approve(actor=learner, request=request)
    with pytest.raises(NotPermitted):
        services.request_withdraw(actor=UserFactory(), request=request)
    with pytest.raises(NotPermitted):
        services.request_submit(actor=UserFactory(), subject=learner, request_type="access")


def test_one_open_request_per_type_and_a_new_one_after_withdrawal(learner):
    first = services.request_submit(actor=learner, subject=learner, request_type="erasure")
    with pytest.raises(DuplicateOpenRequest) as duplicate:
        services.request_submit(actor=learner, subject=learner, request_type="erasure")
    assert duplicate.value.existing == first

    services.request_withdraw(actor=learner, request=first)
    second = services.request_submit(actor=learner, subject=learner, request_type="erasure")
    assert second.reference != first.reference
    assert services.request_submit(actor=learner, subject=learner, request_type="restriction", details={"reason": "x"})


@pytest.mark.django_db(transaction=True)
def test_two_submissions_racing_leave_exactly_one_open_request(learner):
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            services.request_submit(actor=learner, subject=learner, request_type="erasure")
            outcomes.append("created")
        except DuplicateOpenRequest:
            outcomes.append("duplicate")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "duplicate"]
    assert RightsRequest.objects.filter(subject=learner, type="erasure").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_members_deciding_at_once_cannot_both_succeed(make_request, officer, agent):
    request = make_request(request_type="restriction")
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(step):
        try:
            barrier.wait()
            if step == "approve":
                services.request_approve(actor=agent, request=request)
            else:
                services.request_reject(actor=officer, request=request, reason="Not applicable.")
            outcomes.append(step)
        except TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(step,)) for step in ("approve", "reject")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("refused") == 1
    request.refresh_from_db()
    decisions = request.events.filter(action__in=[RequestEvent.Action.APPROVED, RequestEvent.Action.REJECTED])
    assert decisions.count() == 1
    assert request.status in {Status.COMPLETED, Status.REJECTED}  # an approved restriction is carried out at once


@pytest.mark.parametrize(
    ("request_type", "details", "field"),
    [
        ("restriction", {}, "reason"),
        ("restriction", {"reason": "   "}, "reason"),
        ("objection", {"purposes": []}, "purposes"),
        ("objection", {"purposes": ["course_delivery"]}, "purposes"),
        ("rectification", {"changes": {}}, "changes"),
        ("rectification", {"changes": {"email": "x@example.org"}}, "changes"),
        ("rectification", {"changes": {"bio": 42}}, "bio"),
        ("access", {"note": "x" * 2001}, "note"),
        ("telepathy", {}, "type"),
    ],
)
def test_details_that_do_not_fit_the_type_are_refused_and_nothing_is_filed(learner, request_type, details, field):
    with pytest.raises(InvalidRequestDetails) as error:
        services.request_submit(actor=learner, subject=learner, request_type=request_type, details=details)
    assert error.value.field == field
    assert not RightsRequest.objects.exists()


def test_reject_and_extend_need_a_reason_and_extend_only_once(make_request, officer):
    request = make_request(request_type="erasure")
    with pytest.raises(InvalidRequestDetails):
        services.request_reject(actor=officer, request=request, reason="  ")
    with pytest.raises(InvalidRequestDetails):
        services.request_extend(actor=officer, request=request, months=2, reason="")
    with pytest.raises(InvalidRequestDetails):
        services.request_extend(actor=officer, request=request, months=3, reason="Complex.")

    services.request_extend(actor=officer, request=request, months=2, reason="Complex.")
    with pytest.raises(TransitionNotAllowed, match="already been extended once"):
        services.request_extend(actor=officer, request=request, months=1, reason="Still complex.")
    request.refresh_from_db()
    assert request.extension_reason == "Complex."
    assert (request.due_at - request.received_at).days >= 88


@pytest.fixture
def failing_access_handler(monkeypatch):
    calls = []

    def fulfil(request):
        calls.append(request.pk)
        if len(calls) == 1:
            raise ValueError(f"cannot read profile of {request.subject.email}")
        return "Your report is ready."

    monkeypatch.setattr(handler_for("access"), "fulfil", fulfil)
    return calls


def test_a_failing_task_leaves_the_request_failed_and_staff_can_retry_it(
    learner, officer, failing_access_handler, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type="access")
    request.refresh_from_db()
    assert request.status == Status.FAILED
    failure = request.events.get(action=RequestEvent.Action.FAILED)
    assert failure.note == "Processing stopped with ValueError."
    assert learner.email not in failure.note, "error messages may hold personal data and are not stored"

    with django_capture_on_commit_callbacks(execute=True):
        services.request_retry(actor=officer, request=request)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.completed_at is not None
    assert "Your report is ready." in mail.outbox[-1].body


def test_learner_is_emailed_acknowledgement_rejection_with_complaint_right_and_extension(
    learner, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type="erasure")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_extend(actor=officer, request=request, months=1, reason="We hold records in two systems.")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_reject(actor=officer, request=request, reason="An unpaid invoice is disputed in court.")

    acknowledgement, extension, rejection = mail.outbox
    request.refresh_from_db()
    assert acknowledgement.to == ["noor@example.org"]
    assert acknowledgement.subject == f"We received your request {request.reference}"
    assert "We will answer by:" in acknowledgement.body
    # A signed-in learner's identity is confirmed on the spot: the acknowledgement says so, not "verification".
    assert "Status: Awaiting review" in acknowledgement.body
    assert "Awaiting review" in acknowledgement.alternatives[0].content
    assert "We hold records in two systems." in extension.body
    assert "An unpaid invoice is disputed in court." in rejection.body
    assert "complaint with the Information Commissioner's Office (ICO), ico.org.uk (UK GDPR Art. 77)" in rejection.body
    for message in mail.outbox:
        assert f"http://testserver/settings/data/{request.pk}/" in message.body
        assert message.alternatives[0].mimetype == "text/html"
        assert "Noor" not in message.body and "7700 900" not in message.body, "no personal data beyond the need"


def test_staff_actions_on_closed_requests_change_nothing(make_request, officer):
    request = make_request(request_type="access", status="completed")
    for step in ("assign", "extend", "approve", "reject"):
        with pytest.raises(TransitionNotAllowed):
            run_step(step, request, learner=None, officer=officer)
    assert not request.events.exists()


def test_an_extension_must_come_within_the_first_month(make_request, officer):
    import datetime

    from django.utils import timezone

    late = make_request(request_type="access", received_at=timezone.now() - datetime.timedelta(days=40))
    with pytest.raises(TransitionNotAllowed, match=r"Art\. 12\(3\)"):
        services.request_extend(actor=officer, request=late, months=1, reason="Busy.")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "cannot be in the future"),
        ({"country": "Atlantis"}, "country", "Select a valid choice"),
        ({"bio": "x" * 301}, "bio", "at most 300 characters"),
    ],
)
def test_corrections_follow_the_account_tabs_rules(learner, changes, field, message):
    with pytest.raises(InvalidRequestDetails, match=message) as error:
        services.request_submit(
            actor=learner, subject=learner, request_type="rectification", details={"changes": changes}
        )
    assert error.value.field == field


def test_a_duplicate_is_recognised_before_its_details_are_judged(learner):
    first = services.request_submit(actor=learner, subject=learner, request_type="restriction", details={"reason": "x"})
    with pytest.raises(DuplicateOpenRequest) as duplicate:
        services.request_submit(actor=learner, subject=learner, request_type="restriction", details={})
    assert duplicate.value.existing == first


def test_agents_may_retry_a_failed_erasure_the_officer_approved(
    make_request, agent, django_capture_on_commit_callbacks
):
    request = make_request(request_type="erasure", status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_retry(actor=agent, request=request)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED


def test_refusals_say_in_plain_words_why(make_request, officer):
    request = make_request(request_type="access", status="completed")
    with pytest.raises(TransitionNotAllowed, match=re.escape("A request that is “completed” cannot be retried.")):
        services.request_retry(actor=officer, request=request)


def test_withdrawing_is_confirmed_by_email_so_a_stolen_session_is_noticed(learner, django_capture_on_commit_callbacks):
    request = services.request_submit(actor=learner, subject=learner, request_type="erasure")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_withdraw(actor=learner, request=request)
    assert mail.outbox[-1].subject == f"You withdrew your request {request.reference}"
    assert "If you did not do this, change your password" in mail.outbox[-1].body


def test_a_restriction_stops_optional_processing_on_submission_and_approval_keeps_it(
    learner, agent, django_capture_on_commit_callbacks
):
    from privacy.selectors import may_process
    from privacy.services import consent_record

    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    request = services.request_submit(
        actor=learner, subject=learner, request_type="restriction", details={"reason": "My grades are wrong."}
    )
    assert not may_process(learner, "research"), "GDPR Art. 18(1): restricted while the request is considered"
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=agent, request=request)

    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert not may_process(learner, "research")
    assert "We have stopped every optional use of your data" in mail.outbox[-1].body


def test_an_objection_is_carried_out_on_submission(learner, django_capture_on_commit_callbacks):
    from privacy.selectors import may_process
    from privacy.services import consent_record

    for purpose in ("marketing_email", "research"):
        consent_record(actor=learner, user=learner, purpose=purpose, granted=True, source="settings")
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(
            actor=learner, subject=learner, request_type="objection", details={"purposes": ["marketing_email"]}
        )
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert not may_process(learner, "marketing_email")
    assert may_process(learner, "research")
    from privacy.exceptions import PrivacyError

    with pytest.raises(PrivacyError, match="objected"):
        consent_record(actor=learner, user=learner, purpose="marketing_email", granted=True, source="settings")
    assert not may_process(learner, "marketing_email"), "an objection to marketing stands for good"


def test_an_approved_rectification_is_applied_with_the_account_tabs_rules(
    learner, agent, django_capture_on_commit_callbacks
):
    request = services.request_submit(
        actor=learner,
        subject=learner,
        request_type="rectification",
        details={"changes": {"full_name": "Noor Al-Hassan Khan", "occupation": "Nurse"}},
    )
    # The proposal is judged again when applied: here a value that became invalid meanwhile.
    RightsRequest.objects.filter(pk=request.pk).update(
        details={"changes": {"full_name": "Noor Al-Hassan Khan", "date_of_birth": "2999-01-01"}, "note": ""}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=agent, request=request)

    request.refresh_from_db()
    learner.profile.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert learner.profile.full_name == "Noor Al-Hassan Khan"
    assert learner.profile.date_of_birth is None
    note = request.events.get(action=RequestEvent.Action.COMPLETED).note
    assert "We corrected: full name." in note
    assert "We could not change date of birth: The date of birth cannot be in the future." in note


def test_a_correction_described_only_in_words_waits_for_staff(learner, agent, django_capture_on_commit_callbacks):
    request = services.request_submit(
        actor=learner, subject=learner, request_type="rectification", details={"note": "Remove my phone number."}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=agent, request=request)
    request.refresh_from_db()
    assert request.status == Status.PROCESSING


def test_staff_may_approve_only_some_corrections_and_tell_why(learner, agent, django_capture_on_commit_callbacks):
    request = services.request_submit(
        actor=learner,
        subject=learner,
        request_type="rectification",
        details={"changes": {"full_name": "Noor A. Hassan", "occupation": "Astronaut"}},
    )
    with pytest.raises(InvalidRequestDetails, match="why some corrections"):
        services.request_approve(actor=agent, request=request, approved_fields=["full_name"])
    with pytest.raises(InvalidRequestDetails, match="only corrections the learner proposed"):
        services.request_approve(actor=agent, request=request, approved_fields=["email"], note="x")

    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(
            actor=agent, request=request, approved_fields=["full_name"], note="Your employer records disagree."
        )

    request.refresh_from_db()
    learner.profile.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert (learner.profile.full_name, learner.profile.occupation) == ("Noor A. Hassan", "")
    note = request.events.get(action=RequestEvent.Action.COMPLETED).note
    assert "We corrected: full name." in note and "did not make these corrections: occupation" in note
    assert "Why: Your employer records disagree." in note, "the reason itself, not a pointer to it"
    assert "complain to the Information Commissioner's Office (ICO), ico.org.uk (UK GDPR Art. 77)" in note
    # Approving applies the corrections at once: one step, one email telling both.
    (email,) = [message.body for message in mail.outbox if message.to == [learner.email]]
    assert "Your request is approved and complete: Correct your data (UK GDPR Art. 16)." in email
    assert "Note from our team: Your employer records disagree." in email
    assert "Why: Your employer records disagree." in email
    assert "Status: Completed" in email


def test_completing_an_erasure_closes_the_learners_other_open_requests_and_emails_nothing_about_them(
    learner, officer, make_request, django_capture_on_commit_callbacks
):
    rectification = services.request_submit(
        actor=learner, subject=learner, request_type="rectification", details={"changes": {"phone": "+44 7700 900999"}}
    )
    restriction = services.request_submit(
        actor=learner, subject=learner, request_type="restriction", details={"reason": "I contest my grades."}
    )
    by_hand = make_request(request_type="access", status="processing")
    failed = make_request(request_type="portability", status="failed")
    finished = make_request(request_type="objection", status="completed")
    erasure = services.request_submit(actor=learner, subject=learner, request_type="erasure")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=erasure)

    erasure.refresh_from_db()
    assert erasure.status == Status.COMPLETED
    note = f"Closed: the account was erased under request {erasure.reference}."
    for other in (rectification, restriction, by_hand, failed):
        other.refresh_from_db()
        assert other.status == Status.WITHDRAWN, other.type
        event = other.events.last()
        assert (event.action, event.actor, event.note) == (RequestEvent.Action.CLOSED, None, note)
        assert (
            AuditEvent.objects.filter(
                subject=learner, action=AuditEvent.Action.REQUEST_STEP, changes__request=other.reference
            )
            .filter(changes__step="closed")
            .exists()
        )
    finished.refresh_from_db()
    assert finished.status == Status.COMPLETED and not finished.events.exists()
    assert not ProcessingRestriction.objects.filter(user=learner, lifted_at__isnull=True).exists()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["noor@example.org"], f"Your data is erased ({erasure.reference})")
    ], "only the erasure's own confirmation: no 'request closed' or 'restriction lifted' email"
    # It names each kind of record the registry keeps after an erasure that this learner had, and why.
    body = mail.outbox[0].body
    records = erasure.result["erasure_receipt"]["records"]
    for declaration in registry:
        had = not isinstance(declaration.erasure, Delete) and records.get(declaration.label, [None, 0])[1] > 0
        assert (f"- {declaration.description}. " in body) == had, declaration.label
    assert "- Your data-rights requests. Kept: A record of data-rights requests" in body
    assert "Your profile" not in body and "Runs of digests" not in body


def test_staff_steps_on_requests_closed_by_an_erasure_are_refused(learner, officer, make_request):
    rectification = make_request(
        request_type="rectification", status="awaiting_approval", details={"changes": {"phone": "+44 7700 900999"}}
    )
    by_hand = make_request(request_type="access", status="processing")
    erasure = make_request(request_type="erasure", status="processing")
    tasks.request_complete(actor=officer, request=erasure, note="Erased.")

    with pytest.raises(TransitionNotAllowed, match="withdrawn"):
        services.request_approve(actor=officer, request=rectification)
    with pytest.raises(TransitionNotAllowed):
        tasks.request_complete(actor=officer, request=by_hand, note="Sent by post.")
    for step in ("assign", "extend", "verify", "reject"):
        with pytest.raises(TransitionNotAllowed):
            run_step(step, rectification, learner=learner, officer=officer)
    rectification.refresh_from_db()
    assert rectification.status == Status.WITHDRAWN
    assert list(rectification.events.values_list("action", flat=True)) == ["closed"]


def test_nothing_can_be_filed_for_an_erased_account(learner, officer, django_capture_on_commit_callbacks):
    erasure = services.request_submit(actor=learner, subject=learner, request_type="erasure")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=erasure)
    learner.refresh_from_db()
    with pytest.raises(AccountClosed, match="This account is closed"):
        services.request_submit(actor=learner, subject=learner, request_type="portability")
    assert list(RightsRequest.objects.filter(subject=learner).values_list("type", flat=True)) == ["erasure"]


@pytest.mark.django_db(transaction=True)
def test_a_request_filed_while_the_erasure_runs_waits_for_it_and_is_refused(learner):
    """The erasure holds the account's row lock (``fulfil_erasure``); filing waits on it, then sees it closed."""
    locked, release = threading.Event(), threading.Event()

    def erasure_under_way():
        try:
            with transaction.atomic():
                type(learner).objects.select_for_update().get(pk=learner.pk)
                locked.set()
                release.wait(5)
                type(learner).objects.filter(pk=learner.pk).update(is_active=False)
        finally:
            connection.close()

    worker = threading.Thread(target=erasure_under_way)
    worker.start()
    locked.wait(5)
    threading.Timer(0.3, release.set).start()
    with pytest.raises(AccountClosed):
        services.request_submit(actor=learner, subject=learner, request_type="portability")
    worker.join(5)
    assert not RightsRequest.objects.filter(subject=learner).exists()


def test_a_correction_described_only_in_words_waits_for_staff_and_both_sides_are_told(
    client, learner, agent, verified_login, django_capture_on_commit_callbacks
):
    request = services.request_submit(
        actor=learner, subject=learner, request_type="rectification", details={"note": "My quiz grade is wrong."}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=agent, request=request)

    request.refresh_from_db()
    assert request.status == Status.PROCESSING, "nothing to apply by itself: a person makes it"
    client.force_login(learner)
    assert (
        "Our team is making the correction you described by hand."
        in client.get(f"/settings/data/{request.pk}/").content.decode()
    )
    verified_login(client, agent)
    staff_page = client.get(f"/admin/rights_requests/rightsrequest/{request.pk}/change/").content.decode()
    assert "the learner described the correction in words" in staff_page


@pytest.mark.parametrize("request_type", ["access", "portability"])
def test_the_acknowledgement_of_a_request_approved_on_the_spot_says_approved(
    learner, request_type, django_capture_on_commit_callbacks, monkeypatch
):
    # Only the acknowledgement is sent here: the task that carries it out is held back.
    monkeypatch.setattr(services, "process_later", lambda request: None)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type=request_type)

    (acknowledgement,) = mail.outbox
    assert request.status == Status.APPROVED
    assert "Status: Approved" in acknowledgement.body
    assert "We will answer by:" in acknowledgement.body


@pytest.mark.parametrize("action", RequestEvent.Action.values)
def test_the_learner_reads_every_step_of_a_request_in_its_history(signed_in, api, make_request, action):
    """Whatever staff, an agent's filing or the learner did, the request's page and the API show it (no 500)."""
    request = make_request()
    RequestEvent.objects.create(request=request, action=action, to_status=request.status)

    page = signed_in.get(f"/settings/data/{request.pk}/")
    detail = api.get(f"/api/v1/me/requests/{request.pk}/")

    assert page.status_code == 200 and detail.status_code == 200
    assert len(detail.json()["timeline"]) == 1


def test_the_account_activity_names_every_step_of_a_request():
    """A new step without words would show its code ("objected") in a learner's activity, whatever her language."""
    assert set(RequestEvent.Action.values) <= set(REQUEST_STEP_WORDS)
