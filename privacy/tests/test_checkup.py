"""The dashboard suggests a privacy checkup when the last review is old; saving the tab is a review."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from privacy.models import ProfileVisibility

pytestmark = pytest.mark.django_db

PROMPT = "Time for a privacy checkup"


def test_a_new_learner_is_not_nagged(signed_in):
    assert PROMPT not in signed_in.get("/").content.decode()


def test_an_old_review_brings_the_prompt_and_saving_the_tab_clears_it(signed_in, learner):
    ProfileVisibility.objects.create(user=learner, reviewed_at=timezone.now() - datetime.timedelta(days=181))
    assert PROMPT in signed_in.get("/").content.decode()

    signed_in.post("/settings/privacy/", dict.fromkeys(ProfileVisibility.FIELDS, "private"))
    assert PROMPT not in signed_in.get("/").content.decode()


def test_the_checkup_interval_is_the_setting_in_force_when_the_dashboard_is_shown(signed_in, learner):
    """``PRIVACY_CHECKUP_AFTER_DAYS`` is read at each page, not once at start-up."""
    ProfileVisibility.objects.create(user=learner, reviewed_at=timezone.now() - datetime.timedelta(days=40))
    assert PROMPT not in signed_in.get("/").content.decode()

    with override_settings(PRIVACY_CHECKUP_AFTER_DAYS=30):
        assert PROMPT in signed_in.get("/").content.decode()
    assert PROMPT not in signed_in.get("/").content.decode()


def test_never_reviewed_for_half_a_year_brings_the_prompt_and_not_now_hides_it(signed_in, learner):
    learner.date_joined = timezone.now() - datetime.timedelta(days=200)
    learner.save(update_fields=["date_joined"])
    assert PROMPT in signed_in.get("/").content.decode()
    signed_in.post("/settings/privacy/checkup/dismiss/")
    assert PROMPT not in signed_in.get("/").content.decode()


def test_the_prompt_of_a_learner_who_never_reviewed_does_not_speak_of_their_last_review(signed_in, learner):
    learner.date_joined = timezone.now() - datetime.timedelta(days=200)
    learner.save(update_fields=["date_joined"])
    page = signed_in.get("/").content.decode()

    assert "You have not yet reviewed who can see your profile" in page
    assert "You have not reviewed these settings yet." in page
    assert "It has been a while" not in page
    assert page.count(">Review your privacy settings</a>") == 1, "offered once, in the checkup"


def test_the_prompt_of_a_learner_who_reviewed_long_ago_gives_the_date(signed_in, learner):
    ProfileVisibility.objects.create(user=learner, reviewed_at=datetime.datetime(2026, 1, 5, 12, tzinfo=datetime.UTC))
    learner.date_joined = timezone.now() - datetime.timedelta(days=400)
    learner.save(update_fields=["date_joined"])
    page = signed_in.get("/").content.decode()

    assert "You last reviewed who can see your profile and how we may use your data on" in page
    assert "5 January 2026" in page
    assert "You have not yet reviewed" not in page
