"""The dashboard: courses, a privacy checkup at a glance, open requests, and empty states that say what to do."""

import re

import pytest

from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, UserFactory, seminars
from privacy.services import consent_record, profile_visibility_update
from rights_requests.services import request_submit, request_withdraw

pytestmark = pytest.mark.django_db


def test_a_new_learner_is_told_what_to_do_next(client):
    client.force_login(UserFactory(username="newcomer"))
    page = client.get("/").content.decode()

    assert "You are not enrolled in any course yet." in page
    assert "7 parts only you see" in page
    assert 'off — <a href="/settings/privacy/two-factor/setup/">turn it on</a>' in page
    assert "Uses of your data you allowed:</strong> 0 of 4." in page
    assert "No open requests." in page
    assert 'href="/settings/data/"' in page


def test_the_dashboard_sums_up_who_sees_what_and_lists_open_requests_only(client):
    user = UserFactory(username="amara")
    EnrollmentFactory(user=user, course=CourseFactory(title="Introduction to Python"))
    profile_visibility_update(actor=user, subject=user, audiences={"full_name": "public", "bio": "learners"})
    consent_record(actor=user, user=user, purpose="research", granted=True, source="settings")
    erasure = request_submit(actor=user, subject=user, request_type="erasure")
    restriction = request_submit(actor=user, subject=user, request_type="restriction", details={"reason": "Wrong."})
    request_withdraw(actor=user, request=restriction)
    client.force_login(user)

    page = client.get("/").content.decode()

    assert "Introduction to Python" in page
    assert "1 part seen by everyone, 1 part seen by signed-in learners, 5 parts only you see." in page
    assert "Uses of your data you allowed:</strong> 1 of 4." in page
    assert f'href="/settings/data/{erasure.pk}/">Delete your account and data</a>' in page, "as Your data names it"
    assert erasure.reference in page
    assert restriction.reference not in page, "a withdrawn request is no longer open"


def test_for_a_learner_under_16_the_dashboard_says_what_is_in_force_not_an_earlier_everyone(client):
    """A field made public before the birth date was known is seen by signed-in learners only (GDPR Art. 8)."""
    import datetime

    from django.utils import timezone

    user = UserFactory(username="kim")
    profile_visibility_update(actor=user, subject=user, audiences={"full_name": "public"})
    consent_record(actor=user, user=user, purpose="research", granted=True, source="settings")
    user.profile.date_of_birth = timezone.localdate() - datetime.timedelta(days=365 * 13)
    user.profile.save()
    client.force_login(user)

    page = client.get("/").content.decode()

    assert "seen by everyone" not in page
    assert "1 part seen by signed-in learners, 6 parts only you see." in page
    assert "Uses of your data you allowed:</strong> 0 of 4." in page


def test_a_long_course_list_shows_the_newest_twenty_and_the_rest_on_request(client):
    user = UserFactory(username="amara")
    seminars(user, 25, completed=False)
    client.force_login(user)

    page = client.get("/").content.decode()
    assert re.findall(r'course-title">Seminar (\d\d)', page) == [f"{n:02d}" for n in range(24, 4, -1)]
    assert "And 5 more." in page and 'href="?lists=all#courses-heading">Show all 25 courses</a>' in page

    whole = client.get("/?lists=all").content.decode()
    assert len(re.findall(r'course-title">Seminar', whole)) == 25 and "Show all" not in whole
