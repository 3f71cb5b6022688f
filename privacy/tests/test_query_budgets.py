"""Query budgets of the learner-facing privacy pages: exact counts, the same for little and much data.

A learner with a handful of records and one with 200 enrollments and 2,000 learning events
must cost the same number of queries; a change that adds a query per row, or one more
query per page, fails here. (Times are measured by ``make bench``, never in tests.)

Every signed-in page view starts with the same 3 queries — the session, the user with its
profile (the avatar) and profile visibility, and the active privacy policy with whether the
learner confirmed it (``PolicyConfirmationMiddleware``).
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Enrollment, LearningEvent
from learnerportal.tests.factories import (
    ConsentFactory,
    CourseFactory,
    PartnerFactory,
    PolicyAcknowledgementFactory,
    PolicyVersionFactory,
    ProfileVisibilityFactory,
    UserFactory,
)
from learnerportal.tests.support import preview_shown
from privacy.models import Audience, PolicyVersion, ProfileVisibility
from privacy.selectors import PROFILE_LIST_LENGTH, access_learner_profile

pytestmark = pytest.mark.django_db

VOLUMES = {"small": (3, 30), "large": (200, 2_000)}
#: The session, the user with profile and visibility, the active policy with the learner's confirmation of it.
SIGNED_IN = 3


@pytest.fixture
def policy():
    policy = PolicyVersionFactory(version="2026-11")
    PolicyVersion.objects.filter(pk=policy.pk).update(status=PolicyVersion.Status.ACTIVE, activated_at=timezone.now())
    return policy


def learner_with(volume, policy, username="noor"):
    """Return a learner who shows everything publicly and has ``VOLUMES[volume]`` enrollments and events."""
    enrollments, events = VOLUMES[volume]
    user = UserFactory(username=username)
    user.profile.full_name = "Noor Al-Hassan"
    user.profile.bio = "Learning statistics"
    user.profile.country = "PT"
    user.profile.save()
    partner = PartnerFactory()
    courses = [CourseFactory(partner=partner) for _ in range(enrollments)]
    now = timezone.now()
    Enrollment.objects.bulk_create(
        Enrollment(user=user, course=course, completed_at=now if n % 2 else None) for n, course in enumerate(courses)
    )
    LearningEvent.objects.bulk_create(
        LearningEvent(
            user=user,
            course=courses[n % enrollments],
            event_type="page_viewed",
            occurred_at=now - datetime.timedelta(minutes=n),
        )
        for n in range(events)
    )
    ProfileVisibilityFactory(user=user, **dict.fromkeys(ProfileVisibility.FIELDS, Audience.PUBLIC))
    PolicyAcknowledgementFactory(user=user, policy=policy)
    for purpose in ("marketing_email", "research", "marketing_email"):
        ConsentFactory(user=user, purpose=purpose, policy_version=policy.version)
    return user


@pytest.mark.parametrize("volume", VOLUMES)
def test_privacy_tab_costs_the_same_queries_for_any_amount_of_data(client, policy, django_assert_num_queries, volume):
    learner = learner_with(volume, policy)
    client.force_login(learner)

    # + enrollments for the preview, the consent ledger (current choices, objection, newest
    # entries), and 2FA, backup codes left and a restriction in force (safeguards_of).
    with django_assert_num_queries(SIGNED_IN + 3):
        response = client.get("/settings/privacy/")

    assert response.status_code == 200
    # The preview ("as anyone on the internet") lists the newest 20 courses, then says how many more.
    page = preview_shown(response.content.decode())
    enrollments = VOLUMES[volume][0]
    assert page.count("Partner University") == min(enrollments, PROFILE_LIST_LENGTH)
    assert (f"And {enrollments - PROFILE_LIST_LENGTH} more." in page) == (enrollments > PROFILE_LIST_LENGTH)


@pytest.mark.parametrize("entries", [3, 80])
def test_the_history_of_choices_costs_the_same_queries_for_any_length_of_ledger(
    client, policy, django_assert_num_queries, entries
):
    learner = learner_with("small", policy)
    for n in range(entries - 3):
        ConsentFactory(user=learner, purpose="research", granted=n % 2 == 0, policy_version=policy.version)
    client.force_login(learner)

    with django_assert_num_queries(SIGNED_IN + 1):  # + the newest 50 entries with the ledger's length
        response = client.get("/settings/privacy/consents/history/")

    assert response.content.decode().count("<li><time") == min(entries, 50)


@pytest.mark.parametrize("volume", VOLUMES)
def test_saving_the_privacy_tab_costs_the_same_queries_for_any_amount_of_data(
    client, policy, django_assert_num_queries, volume
):
    learner = learner_with(volume, policy)
    client.force_login(learner)
    choices = dict.fromkeys(ProfileVisibility.FIELDS, Audience.PUBLIC) | {"bio": Audience.LEARNERS}

    # Session, user with visibility and profile (age; a POST skips the policy check), then in the service's
    # transaction: the update of the row as it was read with the user (no locked read first), the audit
    # row, and the savepoint around it all (the test runs in a transaction; in production BEGIN and COMMIT,
    # the same 6). Foreign keys, the row's uniqueness and its 7 audience check constraints are left to the
    # database (not a query each, or 3 per constraint).
    with django_assert_num_queries(6):
        response = client.post("/settings/privacy/", choices)

    assert response.status_code == 302
    assert ProfileVisibility.objects.get(user=learner).bio == Audience.LEARNERS


@pytest.mark.parametrize("volume", VOLUMES)
def test_public_profile_costs_the_same_queries_for_any_amount_of_data(
    client, policy, django_assert_num_queries, volume
):
    learner_with(volume, policy)
    enrollments = VOLUMES[volume][0]

    # The learner with profile, profile visibility; the enrollments with their courses and partners
    # (the newest 20, and how many there are in all, in one query).
    with django_assert_num_queries(2):
        response = client.get("/learners/noor/")
    # Asked for every course, the page lists them all, at the same cost.
    with django_assert_num_queries(2):
        whole = client.get("/learners/noor/?lists=all")

    assert response.status_code == whole.status_code == 200
    assert response.content.decode().count("Partner University") == min(enrollments, PROFILE_LIST_LENGTH)
    assert whole.content.decode().count("Partner University") == enrollments


@pytest.mark.parametrize("volume", VOLUMES)
def test_public_profile_seen_by_a_learner_costs_the_same_queries(client, policy, django_assert_num_queries, volume):
    learner_with(volume, policy)
    viewer = UserFactory(username="amara")
    PolicyAcknowledgementFactory(user=viewer, policy=policy)
    client.force_login(viewer)

    # + the learner shown (with profile and visibility), their enrollments.
    with django_assert_num_queries(SIGNED_IN + 2):
        response = client.get("/learners/noor/")

    assert response.status_code == 200


@pytest.mark.parametrize("volume", VOLUMES)
def test_a_public_profile_seen_again_costs_no_query_from_the_cache(client, policy, django_assert_num_queries, volume):
    """What visitors and signed-in learners see of a learner is in the shared cache after the first view."""
    learner_with(volume, policy)
    viewer = Client()
    amara = UserFactory(username="amara")
    viewer.force_login(amara)
    PolicyAcknowledgementFactory(user=amara, policy=policy)
    client.get("/learners/noor/")  # fills the cache: the learner and their enrollments, 2 queries
    viewer.get("/learners/noor/")

    with django_assert_num_queries(0):
        page = client.get("/learners/noor/")
    with django_assert_num_queries(0):
        api = client.get("/api/v1/learners/noor/")
    with django_assert_num_queries(SIGNED_IN):
        seen_by_learner = viewer.get("/learners/noor/")

    assert page.status_code == api.status_code == seen_by_learner.status_code == 200
    assert page.content.decode().count("Partner University") == min(VOLUMES[volume][0], PROFILE_LIST_LENGTH)
    assert len(api.json()["courses"]) == min(VOLUMES[volume][0], PROFILE_LIST_LENGTH)


@pytest.mark.parametrize("volume", VOLUMES)
def test_a_page_of_a_learners_courses_costs_two_queries(client, policy, django_assert_num_queries, volume):
    learner_with(volume, policy)
    client.get("/api/v1/learners/noor/")  # the profile, cached

    # How many courses there are, and the page.
    with django_assert_num_queries(2):
        courses = client.get("/api/v1/learners/noor/courses/?page_size=100")
    with django_assert_num_queries(2):
        accomplishments = client.get("/api/v1/learners/noor/accomplishments/")

    assert courses.json()["count"] == VOLUMES[volume][0]
    assert len(courses.json()["results"]) == min(VOLUMES[volume][0], 100)
    assert accomplishments.json()["count"] == VOLUMES[volume][0] // 2


def test_a_profile_is_found_through_the_index_on_lower_username(policy):
    """The profile URL is looked up by lower(username), which the unique index answers (no scan of all users)."""
    learner_with("small", policy)

    with CaptureQueriesContext(connection) as captured:
        subject, _ = access_learner_profile(viewer=AnonymousUser(), username="NOOR")
    assert subject.username == "noor"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + captured.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "accounts_user_username_ci_unique" in plan
