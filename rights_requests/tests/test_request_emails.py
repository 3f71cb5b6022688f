"""A learner's inbox as they file each type of request: one email per step, the right named as the pages do."""

import pytest
from django.core import mail

from rights_requests.models import RightsRequest, Status
from rights_requests.tasks import send_request_email

pytestmark = pytest.mark.django_db


def file_through_the_page(client, request_type, data, capture):
    with capture(execute=True):
        response = client.post(f"/settings/data/new/{request_type}/", data)
    assert response.status_code == 302, "filed"
    return RightsRequest.objects.get(type=request_type)


@pytest.mark.parametrize(
    ("request_type", "data", "named", "next_step", "completion"),
    [
        (
            "access",
            {"note": ""},
            "Get a copy of your data (UK GDPR Art. 15)",
            "We put together a report of all the data we hold about you",
            "Your report of all the data we hold about you is ready.",
        ),
        (
            "portability",
            {},
            "Take your data elsewhere (UK GDPR Art. 20)",
            "We prepare a file with your data for you to download.",
            "Your portable copy (a ZIP of JSON and CSV files) is ready.",
        ),
    ],
)
def test_a_request_approved_as_it_is_filed_is_acknowledged_once_saying_both(
    signed_in, learner, request_type, data, named, next_step, completion, django_capture_on_commit_callbacks
):
    # The worker is busy: the acknowledgement goes out before the work is done.
    with django_capture_on_commit_callbacks() as callbacks:
        signed_in.post(f"/settings/data/new/{request_type}/", data)
    request = RightsRequest.objects.get(type=request_type)
    process, acknowledge = callbacks
    with django_capture_on_commit_callbacks(execute=True):
        acknowledge()
    with django_capture_on_commit_callbacks(execute=True):
        process()

    # Filing (received, verified, approved) is one step and one email; carrying it out is the next.
    acknowledgement, done = mail.outbox
    assert acknowledgement.to == [learner.email]
    assert acknowledgement.subject == f"We received and approved your request {request.reference}"
    assert f"We received your request and approved it at once; we are now working on it: {named}." in (
        acknowledgement.body
    )
    assert f"What happens next: {next_step}" in acknowledgement.body
    assert "Status: Approved" in acknowledgement.body
    assert f"<strong>{named}</strong>" in acknowledgement.alternatives[0].content
    assert "Access to your data (Art. 15)" not in acknowledgement.body, "the staff label is not the learner's word"
    assert not any("is approved" in message.subject for message in mail.outbox), "no separate approval email"
    assert done.subject == f"Your request {request.reference} is complete"
    assert f"Your request is complete: {named}." in done.body
    assert completion in done.body


@pytest.mark.parametrize(
    ("request_type", "data", "named"),
    [
        ("access", {"note": ""}, "Get a copy of your data (UK GDPR Art. 15)"),
        ("portability", {}, "Take your data elsewhere (UK GDPR Art. 20)"),
    ],
)
def test_a_request_done_before_its_acknowledgement_went_out_is_told_in_one_email(
    signed_in, learner, request_type, data, named, django_capture_on_commit_callbacks
):
    request = file_through_the_page(signed_in, request_type, data, django_capture_on_commit_callbacks)

    (done,) = mail.outbox  # not "we are now working on it" next to "it is complete", in the same second
    assert done.subject == f"Your request {request.reference} is complete"
    assert f"We received your request and carried it out: {named}." in done.body
    assert "We received your request and carried it out:" in done.alternatives[0].content
    assert "Status: Completed" in done.body
    with django_capture_on_commit_callbacks(execute=True):
        send_request_email.enqueue(event_id=request.events.get(action="submitted").pk)
    assert len(mail.outbox) == 1, "the acknowledgement, run late, finds itself told"


@pytest.mark.parametrize(
    ("request_type", "data", "named", "next_step"),
    [
        (
            "rectification",
            {"full_name": "Noor Hassan", "note": ""},
            "Correct your data (UK GDPR Art. 16)",
            "Our privacy team checks the corrections you propose, then makes them.",
        ),
        (
            "erasure",
            {"note": ""},
            "Delete your account and data (UK GDPR Art. 17)",
            "Our privacy officer reviews the request.",
        ),
        (
            "restriction",
            {"reason": "My quiz results are wrong."},
            "Pause the use of your data (UK GDPR Art. 18)",
            "From the moment you send it, we stop every optional use of your data",
        ),
    ],
)
def test_a_request_staff_review_is_acknowledged_once_with_what_happens_next(
    signed_in, learner, request_type, data, named, next_step, django_capture_on_commit_callbacks
):
    request = file_through_the_page(signed_in, request_type, data, django_capture_on_commit_callbacks)

    (acknowledgement,) = mail.outbox
    assert acknowledgement.subject == f"We received your request {request.reference}"
    assert f"We received your request: {named}." in acknowledgement.body
    assert f"What happens next: {next_step}" in acknowledgement.body
    assert "Status: Awaiting review" in acknowledgement.body
    assert f"We will answer by: {request.due_at:%-d %B %Y}" in acknowledgement.body


def test_an_objection_takes_effect_as_it_is_filed_and_is_told_in_one_email(
    signed_in, learner, django_capture_on_commit_callbacks
):
    request = file_through_the_page(
        signed_in, "objection", {"purposes": ["research"], "note": ""}, django_capture_on_commit_callbacks
    )

    (done,) = mail.outbox  # received, approved and carried out in one step: one email
    assert done.subject == f"Your request {request.reference} is complete"
    assert "We received your request and carried it out: Object to how we use your data (UK GDPR Art. 21)." in done.body
    assert "We have stopped using your data to: research on learning" in done.body
    assert "carried it out:" in done.alternatives[0].content


def test_an_objection_whose_work_fails_is_still_acknowledged(
    signed_in, learner, django_capture_on_commit_callbacks, monkeypatch
):
    from rights_requests.handlers.objection import ObjectionHandler

    def broken(self, request):
        raise RuntimeError("the consent ledger is down")

    monkeypatch.setattr(ObjectionHandler, "fulfil", broken)
    request = file_through_the_page(
        signed_in, "objection", {"purposes": ["research"], "note": ""}, django_capture_on_commit_callbacks
    )

    request.refresh_from_db()
    assert request.status == Status.FAILED
    assert [message.subject for message in mail.outbox if learner.email in message.to] == [
        f"We received and approved your request {request.reference}"
    ]


def test_an_approved_restriction_is_told_as_in_force_not_complete(
    signed_in, learner, agent, django_capture_on_commit_callbacks
):
    from rights_requests import services

    request = file_through_the_page(
        signed_in, "restriction", {"reason": "My quiz results are wrong."}, django_capture_on_commit_callbacks
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=agent, request=request)

    (in_force,) = mail.outbox  # approving it puts it in force: one step, one email
    assert in_force.subject == f"Your request {request.reference} is in force"
    assert "Your request is approved and in force: Pause the use of your data (UK GDPR Art. 18)." in in_force.body
    assert "until the restriction is lifted" in in_force.body
    assert "Status: In force" in in_force.body


def test_a_staff_approval_the_worker_carried_out_before_its_email_went_is_told_with_the_outcome(
    learner, agent, django_capture_on_commit_callbacks
):
    from rights_requests import services

    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=agent, subject=learner, request_type="access")  # by phone, say
        services.request_verify(actor=agent, request=request, note="Called back on the number we hold.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=agent, request=request, note="Your old address is included too.")

    (done,) = mail.outbox  # the work was quicker than the approval's email: one email tells both
    assert done.subject == f"Your request {request.reference} is complete"
    assert "Your request is approved and complete: Get a copy of your data (UK GDPR Art. 15)." in done.body
    assert "Note from our team: Your old address is included too." in done.body
