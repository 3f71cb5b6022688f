"""The Privacy tab's times are in the learner's time zone, the zone named, as every time a learner sees."""

import datetime

import pytest
import time_machine

from accounts.models import Profile
from privacy.services import consent_record, profile_visibility_update

pytestmark = pytest.mark.django_db


def test_the_last_review_and_the_history_of_choices_name_the_learners_time_zone(client, learner):
    Profile.objects.filter(user=learner).update(timezone="Asia/Tokyo")
    learner.refresh_from_db()
    with time_machine.travel(datetime.datetime(2027, 1, 31, 23, 30, tzinfo=datetime.UTC), tick=False):
        profile_visibility_update(actor=learner, subject=learner, audiences={})
        consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
        client.force_login(learner)
        page = client.get("/settings/privacy/").content.decode()
        history = client.get("/settings/privacy/consents/history/").content.decode()

    assert "1 February 2027, 08:30 JST</time>." in page, "when the settings were last reviewed"
    assert "1 Feb 2027, 08:30 JST</time> — " in history, "when research was turned on"
