"""Restriction of processing (GDPR Art. 18): in force from the moment it is asked for, lifted only with notice."""

import pytest
from django.core import mail
from django.utils import dateformat, timezone

from compliance.registry import Purpose
from privacy.models import CONSENT_PURPOSES
from privacy.selectors import may_process
from privacy.services import consent_record
from rights_requests import services
from rights_requests.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def consenting(learner):
    for purpose in CONSENT_PURPOSES:
        consent_record(actor=learner, user=learner, purpose=purpose, granted=True, source="settings")
    assert all(may_process(learner, purpose) for purpose in CONSENT_PURPOSES)
    return learner


def restrict(learner):
    return services.request_submit(
        actor=learner, subject=learner, request_type="restriction", details={"reason": "My date of birth is wrong"}
    )


def test_processing_stops_as_soon_as_the_restriction_is_asked_for_before_any_review(consenting):
    request = restrict(consenting)

    assert request.status == Status.AWAITING_APPROVAL
    assert not any(may_process(consenting, purpose) for purpose in CONSENT_PURPOSES)


def test_a_rejected_restriction_is_lifted_and_the_learner_is_told(
    consenting, agent, django_capture_on_commit_callbacks
):
    request = restrict(consenting)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.request_reject(actor=agent, request=request, reason="Your date of birth matches your ID.")

    assert all(may_process(consenting, purpose) for purpose in CONSENT_PURPOSES)
    subjects = [message.subject for message in mail.outbox]
    assert f"Your request {request.reference}: we are lifting the pause on the use of your data" in subjects
    (notice,) = [message for message in mail.outbox if "lifting the pause" in message.subject]
    assert f"we paused the use of your data at your request {request.reference}" in notice.body


def test_withdrawing_the_request_lifts_the_restriction(consenting):
    request = restrict(consenting)

    services.request_withdraw(actor=consenting, request=request)

    assert may_process(consenting, Purpose.RESEARCH)


def test_an_approved_restriction_stays_in_force(consenting, agent, django_capture_on_commit_callbacks):
    request = restrict(consenting)

    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=agent, request=request)

    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert not may_process(consenting, Purpose.PERSONALIZATION)


def test_a_restriction_is_not_lifted_when_the_learner_cannot_be_told_first(consenting, agent, monkeypatch):
    from privacy import services as privacy_services

    request = restrict(consenting)

    def mail_server_down(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server unreachable")

    monkeypatch.setattr(privacy_services, "send_mail", mail_server_down)
    with pytest.raises(ConnectionRefusedError):
        services.request_reject(actor=agent, request=request, reason="Your date of birth matches your ID.")

    request.refresh_from_db()
    assert request.status == Status.AWAITING_APPROVAL, "nothing changed"
    assert not any(may_process(consenting, purpose) for purpose in CONSENT_PURPOSES), "still restricted"


def test_the_privacy_tab_says_the_uses_turned_on_are_paused_while_restricted(client, consenting):
    client.force_login(consenting)
    assert "Paused at your request" not in client.get("/settings/privacy/").text

    restrict(consenting)
    page = client.get("/settings/privacy/").text

    assert "Paused at your request." in page
    assert f"Since {dateformat.format(timezone.localtime(), 'j F Y')} the use of your data is restricted" in page
    assert page.count("(paused while your data is restricted)") == len(CONSENT_PURPOSES)
