"""The public profile from the shared cache: what a visitor or a signed-in learner sees, never stale.

What each class of viewer may see of a learner is cached per learner (Redis, shared by every
process). Every change that can alter it drops it once it commits, so each test commits for real
(``transaction=True``): view the profile (cached), change something as the learner, staff or the
course platform would, view it again. One test serves the profile from a second Django process
sharing the same Redis and database.
"""

import datetime
import time
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from accounts.models import Enrollment
from accounts.services import account_update, profile_update
from compliance.erasure import erasure_execute
from learnerportal.learner_cache import learner_cache_read, learner_cache_write
from learnerportal.tests.factories import (
    MARKERS,
    CourseFactory,
    EnrollmentFactory,
    UserFactory,
    learner_with_every_field,
    seminars,
    set_audiences,
)
from learnerportal.tests.support import run_in_another_process
from privacy.models import Audience, ProfileVisibility
from privacy.selectors import access_public_profile, profile_for_audiences
from privacy.selectors.public_profiles import ENTRY_FORMAT, CachedProfile
from privacy.services import profile_visibility_update, restriction_start

pytestmark = pytest.mark.django_db(transaction=True)

EVERYTHING_PUBLIC = dict.fromkeys(ProfileVisibility.FIELDS, Audience.PUBLIC)


@pytest.fixture
def ada():
    """Learner ada, every part of her profile filled in and public."""
    user = learner_with_every_field()
    profile_visibility_update(actor=user, subject=user, audiences=EVERYTHING_PUBLIC)
    return user


def seen(client, path="/learners/ada/"):
    """Return ``(status, text)`` of the HTML page or the API at ``path``."""
    response = client.get(path)
    return response.status_code, response.content.decode()


def views(client):
    """Return what the page and the API show ``client``: ``{"page": (status, text), "api": (status, text)}``."""
    return {"page": seen(client), "api": seen(client, "/api/v1/learners/ada/")}


@pytest.fixture
def learner_client():
    client = Client()
    client.force_login(UserFactory(username="viewer"))
    return client


def test_a_visitor_is_served_from_the_cache_without_a_query(ada, django_assert_num_queries):
    visitor = Client()
    assert MARKERS["bio"] in seen(visitor)[1]  # the first view reads the database and fills the cache
    with django_assert_num_queries(0):
        status, page = seen(visitor)
    assert status == 200 and MARKERS["bio"] in page
    with django_assert_num_queries(0):
        assert MARKERS["bio"] in seen(Client(), "/api/v1/learners/ada/")[1]  # the API reads the same entry


def test_nothing_of_one_signed_in_viewer_reaches_another(ada):
    first, second = Client(), Client()
    first.force_login(UserFactory(username="first-viewer"))
    second.force_login(UserFactory(username="second-viewer"))
    assert "first-viewer" in seen(first)[1]
    status, page = seen(second)  # from the cache the first view filled
    assert status == 200 and MARKERS["bio"] in page
    assert "second-viewer" in page and "first-viewer" not in page


def test_each_signed_in_viewer_reads_the_cached_card_in_their_own_time_zone(ada):
    Enrollment.objects.filter(user=ada, completed_at__isnull=False).update(
        completed_at=datetime.datetime(2026, 1, 31, 23, 30, tzinfo=datetime.UTC)  # 1 February in Tokyo
    )
    london, tokyo = Client(), Client()
    london.force_login(UserFactory(username="in-london", profile__timezone="Europe/London"))
    tokyo.force_login(UserFactory(username="in-tokyo", profile__timezone="Asia/Tokyo"))
    assert 'Completed Cartography 101 <span class="muted">· January 2026' in seen(london)[1]
    page = seen(tokyo)[1]  # the profile from the cache the London view filled
    assert 'Completed Cartography 101 <span class="muted">· February 2026' in page and "January 2026" not in page


def test_the_owner_sees_their_own_profile_not_the_visitors_cached_one(ada):
    set_audiences(ada, bio=Audience.PRIVATE)
    assert MARKERS["bio"] not in seen(Client())[1]
    owner = Client()
    owner.force_login(ada)
    status, page = seen(owner)
    assert status == 200 and MARKERS["bio"] in page and "This is your own profile" in page


def test_hiding_a_field_on_the_privacy_tab_hides_it_from_every_viewer_at_once(ada, learner_client):
    visitor = Client()
    assert all(MARKERS["bio"] in text for _, text in [*views(visitor).values(), *views(learner_client).values()])
    owner = Client()
    owner.force_login(ada)
    owner.post("/settings/privacy/", EVERYTHING_PUBLIC | {"bio": Audience.PRIVATE})

    for client in (visitor, learner_client):
        for status, text in views(client).values():
            assert status == 200 and MARKERS["full_name"] in text and MARKERS["bio"] not in text


def test_hiding_a_field_through_the_api_hides_it(ada, learner_client):
    assert MARKERS["country"] in seen(learner_client)[1]
    owner = Client()
    owner.force_login(ada)
    response = owner.patch(
        "/api/v1/me/privacy/",
        {"fields": {"country": Audience.PRIVATE}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert MARKERS["country"] not in seen(learner_client)[1]
    assert MARKERS["country"] not in seen(Client(), "/api/v1/learners/ada/")[1]


def test_narrowing_a_field_to_signed_in_learners_hides_it_from_visitors_only(ada, learner_client):
    visitor = Client()
    assert MARKERS["full_name"] in seen(visitor)[1] and MARKERS["full_name"] in seen(learner_client)[1]
    profile_visibility_update(actor=ada, subject=ada, audiences={"full_name": Audience.LEARNERS})
    assert MARKERS["full_name"] not in seen(visitor)[1]
    assert MARKERS["full_name"] in seen(learner_client)[1]


def test_a_profile_read_before_a_change_and_stored_after_it_is_never_served(ada):
    """A slow request reads the profile, the owner hides a field meanwhile, then the slow request stores it."""
    name = f"public-profile:{ENTRY_FORMAT}:public"
    version, _ = learner_cache_read("ada", name)  # the slow request starts
    read_before = profile_for_audiences(subject=ada, audiences={Audience.PUBLIC})
    assert MARKERS["bio"] in read_before.fields.values()
    profile_visibility_update(actor=ada, subject=ada, audiences={"bio": Audience.PRIVATE})  # committed meanwhile
    learner_cache_write("ada", name, version, CachedProfile(subject_id=ada.pk, visible=read_before), 600)

    for path in ("/learners/ada/", "/api/v1/learners/ada/"):
        status, text = seen(Client(), path)
        assert status == 200 and MARKERS["full_name"] in text and MARKERS["bio"] not in text


@pytest.mark.parametrize(
    ("path", "module"), [("/learners/ada/", "privacy.views"), ("/api/v1/learners/ada/", "privacy.api")]
)
def test_an_answer_made_across_a_change_is_not_served_after_it(ada, monkeypatch, path, module):
    """A slow request reads the profile, the owner hides a field meanwhile, then it keeps its whole answer."""

    def slow_request(**kwargs):
        seen_then = access_public_profile(**kwargs)
        profile_visibility_update(actor=ada, subject=ada, audiences={"bio": Audience.PRIVATE})  # committed meanwhile
        return seen_then

    monkeypatch.setattr(f"{module}.access_public_profile", slow_request)
    assert MARKERS["bio"] in seen(Client(), path)[1]  # the slow request answers what it read
    monkeypatch.undo()

    for later_path in ("/learners/ada/", "/api/v1/learners/ada/"):
        status, text = seen(Client(), later_path)
        assert status == 200 and MARKERS["full_name"] in text and MARKERS["bio"] not in text


def test_a_visitors_whole_page_names_no_signed_in_viewer(ada, learner_client):
    first_visit = seen(Client())[1]  # kept whole for visitors
    signed_in = seen(learner_client)[1]
    assert "Signed in as <strong>viewer</strong>" in signed_in and "Sign in</a>" not in signed_in
    status, page = seen(Client())
    assert status == 200 and page == first_visit
    assert "Sign in</a>" in page and "viewer" not in page and "Sign out" not in page


def test_a_message_waiting_for_a_visitor_is_shown_on_the_profile_kept_whole(ada, learner_client):
    assert MARKERS["bio"] in seen(Client())[1]  # kept whole for visitors
    learner_client.post("/accounts/logout/")
    page = seen(learner_client)[1]  # a visitor now, with the sign-out's message waiting
    assert "You are signed out." in page and MARKERS["bio"] in page
    assert "You are signed out." not in seen(learner_client)[1]


def test_the_api_kept_whole_links_to_the_address_it_was_asked_at(ada, settings):
    seminars(ada, 30)
    settings.ALLOWED_HOSTS = ["portal.example", "learn.example"]
    for host in ("portal.example", "learn.example", "portal.example"):
        profile = Client(HTTP_HOST=host).get("/api/v1/learners/ada/").json()
        links = [profile["photo"], profile["courses_next"], profile["accomplishments_next"]]
        assert all(link.startswith(f"http://{host}/api/v1/learners/ada/") for link in links), links


def test_the_api_kept_whole_still_counts_each_request_against_the_address_limit(ada, settings):
    rates = {"api_user": "3/minute", "api_ip": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    visitor = Client()
    answers = [visitor.get("/api/v1/learners/ada/") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[1].content == answers[2].content and MARKERS["bio"] in answers[2].content.decode()
    assert answers[3].json()["code"] == "throttled"


def test_a_field_emptied_on_the_account_tab_is_gone(ada):
    visitor = Client()
    assert MARKERS["bio"] in seen(visitor)[1]
    profile_update(actor=ada, user=ada, data={"bio": "Now about sailing"})
    page = seen(visitor)[1]
    assert MARKERS["bio"] not in page and "Now about sailing" in page


def test_a_new_enrollment_and_a_completed_course_appear(ada):
    visitor = Client()
    assert "Deep Sea Biology" not in seen(visitor)[1]
    enrollment = EnrollmentFactory(user=ada, course=CourseFactory(title="Deep Sea Biology"))
    assert "Deep Sea Biology" in seen(visitor)[1]
    assert "Completed Deep Sea Biology" not in seen(visitor)[1]
    enrollment.completed_at = datetime.datetime.now(datetime.UTC)
    enrollment.save(update_fields=["completed_at"])  # as the course platform records it
    assert "Completed Deep Sea Biology" in seen(visitor)[1]
    assert "Deep Sea Biology" in seen(visitor, "/api/v1/learners/ada/accomplishments/")[1]


def test_a_deleted_enrollment_is_gone(ada):
    visitor = Client()
    assert MARKERS["courses"] in seen(visitor)[1]
    Enrollment.objects.get(user=ada, course__title="Orbital Mechanics").delete()
    assert MARKERS["courses"] not in seen(visitor)[1]
    assert MARKERS["courses"] not in seen(visitor, "/api/v1/learners/ada/")[1]


def test_a_deactivated_account_has_no_profile_at_once(ada, learner_client):
    visitor = Client()
    assert seen(visitor)[0] == seen(learner_client)[0] == 200
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    ada.is_active = False
    account_update(actor=superuser, user=ada, fields=["is_active"])
    for client in (visitor, learner_client):
        assert {status for status, _ in views(client).values()} == {404}


def test_a_renamed_account_is_gone_from_its_old_address(ada):
    visitor = Client()
    assert seen(visitor)[0] == 200
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    ada.username = "ada-b"
    account_update(actor=superuser, user=ada, fields=["username"])
    assert {status for status, _ in views(visitor).values()} == {404}
    assert MARKERS["bio"] in seen(visitor, "/learners/ada-b/")[1]


def test_an_erased_learner_is_gone_at_once(ada, learner_client):
    visitor = Client()
    assert MARKERS["bio"] in seen(visitor)[1] and MARKERS["bio"] in seen(learner_client)[1]
    erasure_execute(subject=ada)
    for client in (visitor, learner_client):
        assert {status for status, _ in views(client).values()} == {404}
        assert seen(client, "/api/v1/learners/ada/courses/")[0] == 404


def test_a_username_cached_as_nobody_shows_the_learner_who_takes_it(client):
    assert seen(client, "/learners/newcomer/")[0] == 404  # cached: no such learner
    newcomer = UserFactory(username="newcomer", profile__full_name="Nia Newcomer")
    set_audiences(newcomer, full_name=Audience.PUBLIC)
    assert "Nia Newcomer" in seen(client, "/learners/newcomer/")[1]


def test_restriction_of_processing_leaves_the_profile_as_it_was(ada):
    """Restriction (GDPR Art. 18) stops optional processing; showing the profile follows the visibility settings."""
    visitor = Client()
    before = seen(visitor)
    restriction_start(actor=ada, user=ada, reason="Checking my data")
    assert seen(visitor) == before and MARKERS["bio"] in before[1]


def test_a_profile_cached_the_night_before_the_sixteenth_birthday_expires_at_midnight():
    """Under 16, "Everyone" counts as signed-in learners (GDPR Art. 8); at midnight of the birthday (platform's
    time zone) it no longer does, and no write drops the cached profile: it expires then."""
    platform = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    eve = datetime.datetime(2026, 12, 9, 23, 59, 58, tzinfo=platform)
    with time_machine.travel(eve, tick=True):
        kim = UserFactory(
            username="kim", profile__full_name="Kim Park", profile__date_of_birth=datetime.date(2010, 12, 10)
        )
        set_audiences(kim, full_name=Audience.PUBLIC)  # as admin or an import sets it: no choice dated before 16
        assert seen(Client(), "/learners/kim/")[0] == 404  # public counts as learners only: nothing for visitors
        time.sleep(max(0.0, (eve + datetime.timedelta(seconds=3) - datetime.datetime.now(platform)).total_seconds()))
        status, page = seen(Client(), "/learners/kim/")
    assert status == 200 and "Kim Park" in page


def _second_process(script):
    """Run ``script`` in a new Django process with this test's settings, database and Redis; return its JSON."""
    return run_in_another_process(f"import django\ndjango.setup()\n{script}")


VIEW_IN_SECOND_PROCESS = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
with CaptureQueriesContext(connection) as queries:
    response = Client().get("/learners/ada/")
print(json.dumps({"status": response.status_code, "page": response.content.decode(), "queries": len(queries)}))
"""

HIDE_IN_SECOND_PROCESS = """
import json
from django.contrib.auth import get_user_model
from privacy.services import profile_visibility_update
ada = get_user_model().objects.get(username="ada")
profile_visibility_update(actor=ada, subject=ada, audiences={"full_name": "private"})
print(json.dumps({"done": True}))
"""


def test_a_field_hidden_in_one_process_is_never_served_by_another(ada):
    visitor = Client()
    assert MARKERS["bio"] in seen(visitor)[1]  # cached by this process

    served = _second_process(VIEW_IN_SECOND_PROCESS)
    assert served["status"] == 200 and MARKERS["bio"] in served["page"]
    assert served["queries"] == 0, "the second process serves this process's cached profile"

    owner = Client()
    owner.force_login(ada)
    owner.post("/settings/privacy/", EVERYTHING_PUBLIC | {"bio": Audience.PRIVATE})  # hidden here
    served = _second_process(VIEW_IN_SECOND_PROCESS)
    assert served["status"] == 200 and MARKERS["bio"] not in served["page"] and MARKERS["full_name"] in served["page"]

    assert MARKERS["full_name"] in seen(visitor)[1]  # cached again, by this process
    _second_process(HIDE_IN_SECOND_PROCESS)  # hidden there
    status, page = seen(visitor)
    assert status == 200 and MARKERS["full_name"] not in page and MARKERS["country"] in page


def test_the_api_lists_the_newest_twenty_then_pages(ada, learner_client):
    seminars(ada, 30)
    profile = learner_client.get("/api/v1/learners/ada/").json()
    assert profile["courses_count"] == 32 and len(profile["courses"]) == 20
    first = learner_client.get("/api/v1/learners/ada/courses/").json()
    assert first["results"] == profile["courses"] and first["count"] == 32
    second = learner_client.get(profile["courses_next"].removeprefix("http://testserver")).json()
    assert len(second["results"]) == 12 and second["next"] is None
    assert [c["title"] for c in first["results"] + second["results"]] == [
        c["title"] for c in learner_client.get("/api/v1/learners/ada/?lists=all").json()["courses"]
    ]
    accomplishments = learner_client.get("/api/v1/learners/ada/accomplishments/?page=2").json()
    assert accomplishments["count"] == 31 and len(accomplishments["results"]) == 11
    assert learner_client.get("/api/v1/learners/ada/courses/?page=3").status_code == 404
    bad = learner_client.get("/api/v1/learners/ada/courses/?page_size=0")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_a_hidden_list_has_no_pages_but_for_its_owner(ada, learner_client):
    set_audiences(ada, courses=Audience.LEARNERS, accomplishments=Audience.PRIVATE)
    visitor = Client()
    assert visitor.get("/api/v1/learners/ada/courses/").json()["code"] == "not_found"
    assert learner_client.get("/api/v1/learners/ada/courses/").status_code == 200
    assert learner_client.get("/api/v1/learners/ada/accomplishments/").status_code == 404
    owner = Client()
    owner.force_login(ada)
    assert owner.get("/api/v1/learners/ada/accomplishments/").json()["count"] == 1
    assert visitor.get("/api/v1/learners/nobody/courses/").status_code == 404
