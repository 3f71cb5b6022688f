"""Dashboard "Recommended for you": from enrollment history, shown only when the gate allows personalisation."""

import pytest

from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, PartnerFactory, UserFactory
from privacy.models import Consent
from privacy.recommendations import recommended_courses
from privacy.services import consent_record, restriction_start

pytestmark = pytest.mark.django_db

OFF_LINE = "Recommendations are off"


def grant(user):
    consent_record(actor=user, user=user, purpose="personalization", granted=True, source=Consent.Source.SETTINGS)


def never_consented(user):
    pass


def withdrew(user):
    grant(user)
    consent_record(actor=user, user=user, purpose="personalization", granted=False, source=Consent.Source.SETTINGS)


def restricted(user):
    grant(user)
    restriction_start(actor=None, user=user, reason="Learner contests the accuracy of their data.")


def objected(user):
    grant(user)
    consent_record(actor=user, user=user, purpose="personalization", granted=False, source=Consent.Source.OBJECTION)


EXCLUSIONS = [never_consented, withdrew, restricted, objected]


@pytest.fixture
def catalogue():
    """A learner enrolled in one course of a partner that runs three more; another partner's course."""
    partner = PartnerFactory(name="Universidade do Porto")
    taken = CourseFactory(title="Intro to Data", partner=partner)
    popular = CourseFactory(title="Machine Learning", partner=partner)
    quiet = CourseFactory(title="Archival Science", partner=partner)
    middling = CourseFactory(title="Databases", partner=partner)
    elsewhere = CourseFactory(title="Cooking with Chemistry", partner=PartnerFactory(name="Other Institute"))
    for _ in range(3):
        EnrollmentFactory(course=popular)
    EnrollmentFactory(course=middling)
    for _ in range(5):
        EnrollmentFactory(course=elsewhere)
    learner = UserFactory(username="ines")
    EnrollmentFactory(user=learner, course=taken)
    return {
        "learner": learner,
        "taken": taken,
        "popular": popular,
        "middling": middling,
        "quiet": quiet,
        "elsewhere": elsewhere,
    }


def home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_with_consent_the_dashboard_recommends_the_partners_other_courses_most_popular_first(client, catalogue):
    grant(catalogue["learner"])

    page = home(client, catalogue["learner"])

    assert "Recommended for you" in page
    assert OFF_LINE not in page
    section = page.split('id="recommended-heading"')[1].split("</section>")[0]
    titles = [catalogue[key].title for key in ("popular", "middling", "quiet")]
    positions = [section.index(title) for title in titles]
    assert positions == sorted(positions)
    assert catalogue["taken"].title not in section  # already enrolled
    assert catalogue["elsewhere"].title not in section  # not from their history


@pytest.mark.parametrize("exclusion", EXCLUSIONS, ids=lambda f: f.__name__)
def test_without_the_gate_recommendations_are_hidden_and_the_way_to_turn_them_on_is_shown(client, catalogue, exclusion):
    exclusion(catalogue["learner"])

    page = home(client, catalogue["learner"])

    assert OFF_LINE in page
    assert 'href="/settings/privacy/#consents"' in page
    for key in ("popular", "middling", "quiet", "elsewhere"):
        assert catalogue[key].title not in page


def test_an_inactive_account_gets_no_recommendations(client, catalogue):
    learner = catalogue["learner"]
    grant(learner)
    client.force_login(learner)
    learner.is_active = False
    learner.save(update_fields=["is_active"])

    page = client.get("/").content.decode()

    assert "Recommended for you" not in page
    assert catalogue["popular"].title not in page


def test_withdrawing_hides_recommendations_at_the_next_page_view(client, catalogue):
    learner = catalogue["learner"]
    grant(learner)
    assert catalogue["popular"].title in home(client, learner)

    client.post("/settings/privacy/consents/", {"purpose": "personalization", "granted": "0"})

    page = client.get("/").content.decode()
    assert OFF_LINE in page
    assert catalogue["popular"].title not in page


def test_a_learner_without_enrollments_is_told_how_recommendations_come(client):
    learner = UserFactory()
    grant(learner)
    CourseFactory()

    page = home(client, learner)

    assert "No recommendations yet" in page


def test_the_selector_limits_and_orders_by_popularity_then_title(catalogue):
    assert recommended_courses(catalogue["learner"], limit=2) == [catalogue["popular"], catalogue["middling"]]
    assert [course.learner_count for course in recommended_courses(catalogue["learner"])] == [3, 1, 0]
