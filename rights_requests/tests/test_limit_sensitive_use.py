"""Limiting the use of sensitive personal information (Cal. Civ. Code §1798.121): in force on filing, via the gate."""

import dataclasses

import pytest
from django.core import mail

from accounts.models import Profile
from compliance.erasure import erasure_execute
from compliance.models import AuditEvent
from compliance.registry import Purpose, registry
from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, UserFactory
from learnerportal.tests.support import learner_in, make_token, token_client
from privacy.exports import research_dataset
from privacy.models import SensitiveInformationLimit
from privacy.recommendations import dashboard_recommendations
from privacy.selectors import may_process
from privacy.services import consent_record
from rights_requests import services
from rights_requests.exceptions import NotPermitted
from rights_requests.models import RightsRequest, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lives_where_the_right_is_given(learner):
    """The learner lives in California, whose CCPA/CPRA gives this right (§1798.121)."""
    learner_in("US", "CA", user=learner)


def _allow(user, *purposes):
    for purpose in purposes:
        consent_record(actor=user, user=user, purpose=purpose, granted=True, source="settings")


@pytest.fixture
def country_is_sensitive():
    """Declare the profile's country sensitive personal information for one test, as if the portal used such data."""
    declaration = registry.unregister(Profile)
    fields = dict(declaration.fields)
    fields["country"] = dataclasses.replace(fields["country"], sensitive_personal_information=True)
    registry.register(dataclasses.replace(declaration, fields=fields))
    yield
    registry.unregister(Profile)
    registry.register(declaration)


def test_limiting_on_the_page_is_in_force_at_once_and_shows_what_we_hold_and_why(
    client, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    tab = client.get("/settings/data/").content.decode()
    assert "Limit the use of my sensitive personal information" in tab

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/data/new/limit_sensitive_use/", {"note": ""})

    request = RightsRequest.objects.get(subject=learner)
    assert request.status == Status.COMPLETED
    assert SensitiveInformationLimit.objects.get(user=learner).reference == request.reference
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.SENSITIVE_USE_LIMITED).count() == 1
    answer = client.get(f"/settings/data/{request.pk}/").content.decode().split('id="statement-heading"')[1]
    assert "A one-way hash of your password" in answer
    assert "Used only to: run your account and keep your account and the platform secure" in answer
    assert "The secret your app shares with us" not in answer, "she has no authenticator"
    assert "We never used it for anything optional" in answer
    assert "A one-way hash of your password" in mail.outbox[-1].body


def test_limiting_through_the_api_and_again_keeps_one_limit(learner, django_capture_on_commit_callbacks):
    api = token_client(make_token(learner))
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/me/requests/", {"type": "limit_sensitive_use"}, content_type="application/json")
    with django_capture_on_commit_callbacks(execute=True):
        second = api.post("/api/v1/me/requests/", {"type": "limit_sensitive_use"}, content_type="application/json")

    assert (first.status_code, second.status_code) == (201, 201), "completed at once: a second one may be filed"
    assert api.get(first.json()["url"]).json()["statement"][1]["heading"] == "What your limit changes"
    assert SensitiveInformationLimit.objects.filter(user=learner).count() == 1


def test_the_limit_leaves_uses_that_need_no_sensitive_information_alone(learner):
    _allow(learner, Purpose.RESEARCH, Purpose.PERSONALIZATION)
    services.request_submit(actor=learner, subject=learner, request_type="limit_sensitive_use")

    assert may_process(learner, Purpose.RESEARCH)
    assert may_process(learner, Purpose.PERSONALIZATION)


def test_once_limited_research_and_recommendations_skip_the_learner_when_they_would_use_sensitive_information(
    learner, country_is_sensitive
):
    others = [UserFactory() for _ in range(10)]
    course = CourseFactory()
    CourseFactory(partner=course.partner, title="Next course")
    for user in [learner, *others]:
        _allow(user, Purpose.RESEARCH, Purpose.PERSONALIZATION)
        EnrollmentFactory(user=user, course=course)
    assert learner.pk in research_dataset().learner_ids and dashboard_recommendations(learner)[0]

    services.request_submit(actor=learner, subject=learner, request_type="limit_sensitive_use")

    dataset = research_dataset()
    assert learner.pk not in dataset.learner_ids and len(dataset.learner_ids) == 10
    assert dashboard_recommendations(learner) == (False, [])
    assert dashboard_recommendations(others[0])[0]


def test_withdrawing_a_limit_filed_by_staff_keeps_it_and_erasure_deletes_it(learner, agent):
    request = services.request_submit(actor=agent, subject=learner, request_type="limit_sensitive_use")
    assert request.status == Status.AWAITING_VERIFICATION and SensitiveInformationLimit.objects.filter(user=learner)

    services.request_withdraw(actor=learner, request=request)
    assert SensitiveInformationLimit.objects.filter(user=learner).exists()

    erasure_execute(subject=learner)
    assert not SensitiveInformationLimit.objects.filter(user=learner).exists()


def test_nobody_limits_for_someone_else_or_reads_their_answer(client, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mine = services.request_submit(actor=learner, subject=learner, request_type="limit_sensitive_use")
    mallory = UserFactory(username="mallory")
    api = token_client(make_token(mallory))
    client.force_login(mallory)

    forged = api.post(
        "/api/v1/me/requests/", {"type": "limit_sensitive_use", "user": learner.pk}, content_type="application/json"
    )
    with pytest.raises(NotPermitted):
        services.request_submit(actor=mallory, subject=learner, request_type="limit_sensitive_use")

    assert forged.status_code == 400
    assert not SensitiveInformationLimit.objects.filter(user=mallory).exists()
    assert client.get(f"/settings/data/{mine.pk}/").status_code == 404
    assert api.get(f"/api/v1/me/requests/{mine.pk}/").status_code == 404
