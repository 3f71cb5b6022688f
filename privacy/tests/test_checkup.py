"""The dashboard suggests a privacy checkup when the last review is old; saving the tab is a review."""

import datetime

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from privacy.models import ProfileVisibility

pytestmark = pytest.mark.django_db

PROMPT = "Time for a privacy checkup"


@pytest.fixture
def learner(client):
    user = UserFactory(username="lin")
    client.force_login(user)
    return user


def test_a_new_learner_is_not_nagged(client, learner):
    assert PROMPT not in client.get("/").content.decode()


def test_an_old_review_brings_the_prompt_and_saving_the_tab_clears_it(client, learner):
    ProfileVisibility.objects.create(user=learner, reviewed_at=timezone.now() - datetime.timedelta(days=181))
    assert PROMPT in client.get("/").content.decode()

    client.post("/settings/privacy/", dict.fromkeys(ProfileVisibility.FIELDS, "private"))
    assert PROMPT not in client.get("/").content.decode()


def test_never_reviewed_for_half_a_year_brings_the_prompt_and_not_now_hides_it(client, learner):
    learner.date_joined = timezone.now() - datetime.timedelta(days=200)
    learner.save(update_fields=["date_joined"])
    assert PROMPT in client.get("/").content.decode()
    client.post("/settings/privacy/checkup/dismiss/")
    assert PROMPT not in client.get("/").content.decode()
