"""Who sees what on /learners/<username>/: every field × audience × viewer."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learnerportal.tests.factories import (
    MARKERS,
    NEVER_SHOWN,
    CourseFactory,
    EnrollmentFactory,
    UserFactory,
    seminars,
    set_audiences,
)
from privacy.models import Audience, ProfileVisibility

pytestmark = pytest.mark.django_db


def viewer_client(kind, client, subject):
    if kind == "owner":
        client.force_login(subject)
    elif kind == "learner":
        client.force_login(UserFactory())
    return client


def may_see(audience, viewer):
    return viewer == "owner" or audience == Audience.PUBLIC or (audience == Audience.LEARNERS and viewer == "learner")


@pytest.mark.parametrize("viewer", ["anonymous", "learner", "owner"])
@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("field", ProfileVisibility.FIELDS)
def test_each_field_is_shown_exactly_to_its_audience(client, subject, field, audience, viewer):
    set_audiences(subject, **{field: audience})  # every other field stays private
    response = viewer_client(viewer, client, subject).get("/learners/ada/")

    if not may_see(audience, viewer):
        # Nothing else is visible either: the profile does not exist for this viewer.
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert MARKERS[field] in page
    if viewer != "owner":
        for other, marker in MARKERS.items():
            if other != field and not (field == "courses" and other == "accomplishments"):
                assert marker not in page, f"{other} leaked while only {field} is {audience}"


@pytest.mark.parametrize("viewer", ["anonymous", "learner", "owner"])
@pytest.mark.parametrize("audience", list(Audience))
def test_photo_file_is_served_only_to_its_audience(client, subject, audience, viewer):
    set_audiences(subject, full_name=Audience.PUBLIC, photo=audience)
    response = viewer_client(viewer, client, subject).get("/learners/ada/photo/")

    if may_see(audience, viewer):
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, no-cache"
    else:
        assert response.status_code == 404


def test_new_account_is_private_to_everyone_but_its_owner(client, subject):
    assert client.get("/learners/ada/").status_code == 404
    client.force_login(UserFactory())
    assert client.get("/learners/ada/").status_code == 404
    client.force_login(subject)
    owner_page = client.get("/learners/ada/").content.decode()
    for marker in MARKERS.values():
        assert marker in owner_page


def test_email_phone_and_birth_date_are_never_shown_even_with_everything_public(client, subject):
    set_audiences(subject, **dict.fromkeys(ProfileVisibility.FIELDS, Audience.PUBLIC))
    for viewer in ["anonymous", "learner", "owner"]:
        page = viewer_client(viewer, client, subject).get("/learners/ada/").content.decode()
        for secret in NEVER_SHOWN:
            assert secret not in page, f"{secret!r} shown to {viewer}"


def test_private_profile_answers_exactly_like_a_missing_one(client, subject):
    private = client.get("/learners/ada/")
    missing = client.get("/learners/nobody-here/")
    assert private.status_code == missing.status_code == 404
    assert private.content == missing.content


def test_allowed_but_empty_fields_do_not_reveal_the_account(client):
    user = UserFactory(username="blank")
    set_audiences(user, **dict.fromkeys(ProfileVisibility.FIELDS, Audience.PUBLIC))
    assert client.get("/learners/blank/").status_code == 404


def test_deactivated_learner_has_no_profile(client, subject):
    set_audiences(subject, full_name=Audience.PUBLIC)
    subject.is_active = False
    subject.save(update_fields=["is_active"])
    assert client.get("/learners/ada/").status_code == 404


def test_username_in_address_is_case_insensitive(client, subject):
    set_audiences(subject, full_name=Audience.PUBLIC)
    assert MARKERS["full_name"] in client.get("/learners/ADA/").content.decode()


@pytest.mark.django_db(transaction=True)  # committed, so that the cached profile is dropped as it is in production
def test_profile_page_query_count_does_not_grow_with_the_learners_data(client, subject):
    set_audiences(subject, **dict.fromkeys(ProfileVisibility.FIELDS, Audience.PUBLIC))
    client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as small:
        client.get("/learners/ada/")
    for _ in range(25):
        EnrollmentFactory(user=subject)
    with CaptureQueriesContext(connection) as large:
        page = client.get("/learners/ada/").content.decode()

    assert "Show all 27 courses" in page
    assert len(large.captured_queries) == len(small.captured_queries) <= 6


@pytest.mark.parametrize("path", ["/learners/ada%00/", "/learners/%00/photo/", "/learners/ad%C3%A4/", "/learners/../"])
def test_odd_usernames_in_the_address_are_a_plain_404(client, subject, path):
    set_audiences(subject, full_name=Audience.PUBLIC)
    assert client.get(path).status_code == 404


def test_a_photo_missing_from_storage_is_a_404_not_an_error(client, subject):
    set_audiences(subject, full_name=Audience.PUBLIC, photo=Audience.PUBLIC)
    subject.profile.photo.storage.delete(subject.profile.photo.name)
    assert client.get("/learners/ada/photo/").status_code == 404


def test_profile_answers_head_requests_like_get(client, subject):
    set_audiences(subject, full_name=Audience.PUBLIC)
    assert client.head("/learners/ada/").status_code == 200
    assert client.head("/learners/nobody/").status_code == 404


def test_a_long_course_list_shows_the_newest_twenty_and_the_rest_on_request(client, subject):
    set_audiences(subject, courses=Audience.PUBLIC, accomplishments=Audience.PUBLIC)
    seminars(subject, 30)

    page = client.get("/learners/ada/").content.decode()
    shown = re.findall(r"<li>Seminar (\d\d)", page)
    # The newest 20, newest first: the subject's own two (enrolled today), then seminars 29 to 12.
    assert "Orbital Mechanics" in page and shown == [f"{n:02d}" for n in range(29, 11, -1)]
    assert "And 12 more." in page and "Show all 32 courses" in page  # 30 seminars + the subject's 2
    assert "And 11 more." in page and "Show all 31 accomplishments" in page
    assert 'href="/learners/ada/?lists=all#profile-courses"' in page

    whole = client.get("/learners/ada/?lists=all").content.decode()
    assert len(re.findall(r"<li>Seminar \d\d", whole)) == 30 and "Orbital Mechanics" in whole
    assert "Completed Cartography 101" in whole and "Show all" not in whole
    # The API lists the same newest 20, with the count and the next page; ?lists=all every course at once.
    api = client.get("/api/v1/learners/ada/").json()
    assert [course["title"] for course in api["courses"]] == re.findall(r"<li>(.+?) <span", page)[:20]
    assert api["courses_count"] == 32 and api["courses_next"] == "http://testserver/api/v1/learners/ada/courses/?page=2"
    assert api["accomplishments_count"] == 31 and len(api["accomplishments"]) == 20
    assert len(client.get("/api/v1/learners/ada/?lists=all").json()["courses"]) == 32


def test_courses_begun_or_completed_at_the_same_moment_keep_one_order_on_every_page(client, subject):
    """Ties keep the order the whole list has (the first enrolled first), in the newest 20 as with ?lists=all."""
    set_audiences(subject, courses=Audience.PUBLIC, accomplishments=Audience.PUBLIC)
    subject.enrollments.all().delete()
    moment = timezone.now()
    for n in range(25):
        EnrollmentFactory(
            user=subject, course=CourseFactory(title=f"Tie {n:02d}"), enrolled_at=moment, completed_at=moment
        )

    page = client.get("/learners/ada/").content.decode()
    whole = client.get("/learners/ada/?lists=all").content.decode()

    courses, accomplishments = page.split('id="profile-accomplishments"')
    assert re.findall(r"<li>(Tie \d\d)", courses) == re.findall(r"<li>(Tie \d\d)", whole)[:20]
    assert re.findall(r"Completed (Tie \d\d)", accomplishments) == re.findall(r"Completed (Tie \d\d)", whole)[:20]
    assert re.findall(r"<li>(Tie \d\d)", courses)[:2] == ["Tie 00", "Tie 01"]
    assert page.count("And 5 more.") == 2


def test_a_hidden_course_list_stays_hidden_when_asked_for_all(client, subject):
    set_audiences(subject, full_name=Audience.PUBLIC, courses=Audience.LEARNERS)
    page = client.get("/learners/ada/?lists=all").content.decode()
    assert MARKERS["full_name"] in page and MARKERS["courses"] not in page


def test_accomplishments_are_listed_by_when_they_were_achieved(client, subject):
    set_audiences(subject, accomplishments=Audience.PUBLIC)
    now = timezone.now()
    # Enrolled oldest first, completed in another order.
    for n, days_ago in enumerate([5, 40, 1, 20]):
        EnrollmentFactory(
            user=subject,
            course=CourseFactory(title=f"Module {n}"),
            enrolled_at=now - datetime.timedelta(days=100 - n),
            completed_at=now - datetime.timedelta(days=days_ago),
        )
    page = client.get("/learners/ada/").content.decode()
    assert re.findall(r"Completed (Module \d|Cartography 101)", page) == [
        "Module 2",
        "Cartography 101",
        "Module 0",
        "Module 3",
        "Module 1",
    ]
    api = client.get("/api/v1/learners/ada/").json()["accomplishments"]
    assert [item["title"] for item in api] == ["Module 2", "Cartography 101", "Module 0", "Module 3", "Module 1"]
