"""LGPD's confirmation of processing (Art. 18 I, 19 I) and information on sharing (Art. 18 VII): answered at once."""

import datetime

import pytest
import time_machine
from django.core import mail

from accounts.models import Partner
from compliance.erasure import erasure_execute
from compliance.registry import Purpose
from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, PaymentFactory, UserFactory
from learnerportal.tests.support import learner_in, make_token, token_client
from privacy.exports import partner_roster
from privacy.services import consent_record, partner_roster_record
from rights_requests import services
from rights_requests.models import RightsRequest, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lives_where_the_right_is_given(learner):
    """The learner lives in Brazil, whose LGPD gives these rights (Art. 18, I and VII)."""
    learner_in("BR", user=learner)


UTC = datetime.UTC


def _file_on_the_page(client, user, request_type, capture):
    client.force_login(user)
    with capture(execute=True):
        client.post(f"/settings/data/new/{request_type}/", {"note": ""})
    request = RightsRequest.objects.get(subject=user, type=request_type)
    return request, client.get(f"/settings/data/{request.pk}/").content.decode()


def test_a_confirmation_is_answered_at_once_with_the_categories_purposes_and_bases_of_what_we_hold(
    client, learner, django_capture_on_commit_callbacks
):
    EnrollmentFactory(user=learner)
    tab = client.get("/settings/data/", follow=True)  # signed out: to the sign-in page
    assert tab.status_code == 200

    request, page = _file_on_the_page(client, learner, "confirmation", django_capture_on_commit_callbacks)

    assert request.status == Status.COMPLETED
    answer = page.split('id="statement-heading"')[1]
    assert "Yes: we process personal data about you." in answer
    assert "Education and learning" in answer and "Your course enrollments, progress and grades" in answer
    assert "Deliver your courses, track progress and award grades, on the basis of performance of a contract" in answer
    assert "(LGPD Art. 7, V)" in answer
    assert "Payments" not in answer, "only the categories we hold about her: she paid nothing"
    (email,) = mail.outbox
    assert "Yes: we process personal data about you." in email.body
    assert "Education and learning" in email.body


def test_a_confirmation_through_the_api_and_in_spanish(learner, django_capture_on_commit_callbacks):
    PaymentFactory(user=learner)
    api = token_client(make_token(learner))

    with django_capture_on_commit_callbacks(execute=True):
        filed = api.post("/api/v1/me/requests/", {"type": "confirmation"}, content_type="application/json")
    english = api.get(filed.json()["url"]).json()
    spanish = api.get(filed.json()["url"], headers={"accept-language": "es"}).json()

    assert filed.status_code == 201 and english["status"] == "completed"
    headings = [section["heading"] for section in english["statement"]]
    assert headings[0] == "Yes: we process personal data about you." and "Payments" in headings
    payments = english["statement"][headings.index("Payments")]["rows"]
    assert "compliance with a legal obligation (LGPD Art. 7, II)" in payments[1]["text"]
    assert spanish["statement"][0]["heading"] != headings[0], "read in the reader's language"


def test_information_on_sharing_lists_recipients_and_each_partner_roster_that_listed_the_learner(
    client, learner, django_capture_on_commit_callbacks
):
    consent_record(actor=learner, user=learner, purpose=Purpose.PARTNER_SHARING, granted=True, source="settings")
    course = CourseFactory(partner__name="Universidade Aberta")
    EnrollmentFactory(user=learner, course=course)
    other_partner = Partner.objects.create(name="Nobody Inc")
    with time_machine.travel(datetime.datetime(2026, 5, 4, 9, 0, tzinfo=UTC), tick=False):
        partner_roster_record(actor=None, partner=course.partner, roster=partner_roster(partner=course.partner))

    _, page = _file_on_the_page(client, learner, "sharing_information", django_capture_on_commit_callbacks)

    answer = page.split('id="statement-heading"')[1]
    assert "The partner university or company running the course, only with your consent" in answer
    assert "Universidade Aberta, 4 May 2026" in answer
    assert "with your progress and grades" in answer
    assert other_partner.name not in answer
    assert "Universidade Aberta, 4 May 2026" in mail.outbox[-1].body


def test_information_on_sharing_says_when_nothing_was_sent_to_partners(learner, django_capture_on_commit_callbacks):
    api = token_client(make_token(learner))
    with django_capture_on_commit_callbacks(execute=True):
        filed = api.post("/api/v1/me/requests/", {"type": "sharing_information"}, content_type="application/json")

    statement = api.get(filed.json()["url"]).json()["statement"]
    assert statement[-1]["rows"] == [
        {"label": "Course partners", "text": "We have not sent your data to any course partner."}
    ]


def test_nobody_reads_another_learners_answer(client, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        confirmation = services.request_submit(actor=learner, subject=learner, request_type="confirmation")
        sharing = services.request_submit(actor=learner, subject=learner, request_type="sharing_information")
    mallory = UserFactory(username="mallory")
    api = token_client(make_token(mallory))
    client.force_login(mallory)

    for request in (confirmation, sharing):
        assert client.get(f"/settings/data/{request.pk}/").status_code == 404
        assert api.get(f"/api/v1/me/requests/{request.pk}/").status_code == 404
    assert api.get("/api/v1/me/requests/").json()["count"] == 0


def test_after_erasure_the_answer_is_kept_for_accountability_naming_nobody(learner, django_capture_on_commit_callbacks):
    course = CourseFactory(partner__name="Universidade Aberta")
    EnrollmentFactory(user=learner, course=course)
    partner_roster_record(actor=None, partner=course.partner, roster=partner_roster(partner=course.partner))
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type="sharing_information")
    identifiers = (learner.username, learner.email, learner.profile.full_name)

    erasure_execute(subject=learner)

    request.refresh_from_db()
    kept = str(request.result)
    assert "Universidade Aberta" in kept, "the record of the answer stays (GDPR Art. 5(2), LGPD Art. 37)"
    assert not any(identifier in kept for identifier in identifiers)
    assert request.subject.username.startswith("erased")


def test_staff_see_the_type_and_the_answer_the_learner_was_given(
    client, learner, officer, verified_login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type="confirmation")
    verified_login(client, officer)

    queue = client.get("/admin/rights_requests/rightsrequest/", {"type": "confirmation"}).content.decode()
    page = client.get(f"/admin/rights_requests/rightsrequest/{request.pk}/change/").content.decode()

    assert request.reference in queue and "Confirmation of processing" in queue
    assert "The answer the learner was given:" in page and "Yes: we process personal data about you." in page
