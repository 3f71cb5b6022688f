"""Learners under the digital age of consent (GDPR Art. 8): nothing public, no optional purposes."""

import datetime
import re

import pytest
import time_machine
from django.test import Client

from learnerportal.tests.factories import UserFactory
from learnerportal.tests.support import checked_radios
from privacy.exceptions import InvalidAudience, PrivacyError
from privacy.models import CONSENT_PURPOSES, Consent, ProfileVisibility
from privacy.selectors import may_process
from privacy.services import consent_record, profile_visibility_update

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def teen(client):
    user = UserFactory(username="teen")
    user.profile.date_of_birth = datetime.date(2010, 12, 1)  # 15 today, 16 tomorrow
    user.profile.full_name = "Tess Teen"
    user.profile.save()
    client.force_login(user)
    return user


def test_a_young_learner_is_offered_no_public_audience_and_told_why(client, teen):
    page = client.get("/settings/privacy/").content.decode()
    assert "Because you are under 16, your profile can be shown to signed-in learners at most" in page
    assert not re.search(r'<input type="radio"[^>]*value="public"', page)
    assert "Everyone: anyone on the internet" not in page, "the legend lists only audiences they can choose"
    assert "Turn on" not in page.split('id="consents"')[1].split("</section>")[0]

    response = client.post("/settings/privacy/", dict.fromkeys(ProfileVisibility.FIELDS, "private") | {"bio": "public"})
    assert "Nothing was saved" in response.content.decode()
    assert not ProfileVisibility.objects.filter(user=teen).exists()


def test_the_services_refuse_too(teen):
    with pytest.raises(InvalidAudience, match="Under 16"):
        profile_visibility_update(actor=teen, subject=teen, audiences={"full_name": "public"})
    for purpose in CONSENT_PURPOSES:
        with pytest.raises(PrivacyError, match="Under 16"):
            consent_record(actor=teen, user=teen, purpose=purpose, granted=True, source="api")
        assert not may_process(teen, purpose)
    profile_visibility_update(actor=teen, subject=teen, audiences={"full_name": "learners"})


def test_coming_of_age_changes_nothing_by_itself_but_lets_them_choose(client, teen):
    profile_visibility_update(actor=teen, subject=teen, audiences={"full_name": "learners"})
    with time_machine.travel(TODAY + datetime.timedelta(days=1), tick=False):
        assert ProfileVisibility.objects.get(user=teen).full_name == "learners"
        assert client.get("/learners/teen/").status_code == 200  # owner
        client.logout()
        assert client.get("/learners/teen/").status_code == 404  # still not public
        consent_record(actor=teen, user=teen, purpose="research", granted=True, source="settings")
        profile_visibility_update(actor=teen, subject=teen, audiences={"full_name": "public"})
        assert may_process(teen, "research")


def test_turning_out_to_be_under_sixteen_hides_public_fields_and_stops_processing(client):
    adult = UserFactory(username="kim")
    adult.profile.full_name = "Kim Park"
    adult.profile.save()
    profile_visibility_update(actor=adult, subject=adult, audiences={"full_name": "public"})
    consent_record(actor=adult, user=adult, purpose="research", granted=True, source="settings")
    assert may_process(adult, "research")

    adult.profile.date_of_birth = datetime.date(2012, 6, 1)
    adult.profile.save()

    assert client.get("/learners/kim/").status_code == 404, "no longer shown to everyone"
    assert not may_process(adult, "research")
    client.force_login(UserFactory())
    assert "Kim Park" in client.get("/learners/kim/").content.decode(), "still shown to signed-in learners"


@pytest.mark.django_db(transaction=True)  # committed, so that the cached profile is dropped as it is in production
def test_choices_made_before_the_age_was_known_do_not_come_back_at_sixteen(client):
    """The trial's case: public fields and consents from before a 15-year-old's birth date was known (GDPR Art. 8)."""
    learner = UserFactory(username="kim")
    learner.profile.full_name = "Kim Park"
    learner.profile.save()
    profile_visibility_update(actor=learner, subject=learner, audiences={"full_name": "public"})
    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    learner.profile.date_of_birth = datetime.date(2010, 12, 1)  # 16 tomorrow
    learner.profile.save()

    with time_machine.travel(TODAY + datetime.timedelta(days=1), tick=False):
        assert Client().get("/learners/kim/").status_code == 404, "still not public: it was a child's choice"
        assert not may_process(learner, "research")
        client.force_login(learner)
        page = client.get("/settings/privacy/").content.decode()
        assert checked_radios(page)["full_name"] == "learners"
        assert "you turned it on before you were 16, so it does not count; turn it on again" in page
        assert "Turn on: " + CONSENT_PURPOSES["research"] in page

        # Choosing again, now 16, counts: a new ledger entry, and the profile public once saved.
        client.post("/settings/privacy/consents/", {"purpose": "research", "granted": "1"})
        assert may_process(learner, "research")
        assert Consent.objects.filter(user=learner, purpose="research", granted=True).count() == 2
        client.post("/settings/privacy/", checked_radios(page) | {"full_name": "public"})
        assert Client().get("/learners/kim/").status_code == 200


@pytest.mark.parametrize("sent", [{}, {"photo": "private"}], ids=["nothing", "another-field"])
def test_saving_other_fields_at_sixteen_does_not_make_an_earlier_everyone_count(client, sent):
    """The trial's API case: a partial save stamps the whole row as reviewed, but must not re-choose "Everyone"."""
    learner = UserFactory(username="kim")
    learner.profile.full_name = "Kim Park"
    learner.profile.save()
    profile_visibility_update(actor=learner, subject=learner, audiences={"full_name": "public", "bio": "public"})
    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    learner.profile.date_of_birth = datetime.date(2010, 12, 1)  # 16 tomorrow
    learner.profile.save()

    with time_machine.travel(TODAY + datetime.timedelta(days=1), tick=False):
        client.force_login(learner)
        page = client.get("/settings/privacy/").content.decode()
        assert "You chose “Everyone” for some fields before you were 16." in page
        consents = client.get("/api/v1/me/consents/").json()["results"]
        assert next(row for row in consents if row["purpose"] == "research")["granted"] is False

        profile_visibility_update(actor=learner, subject=learner, audiences=sent)

        assert Client().get("/learners/kim/").status_code == 404, "still not public"
        assert ProfileVisibility.objects.get(user=learner).full_name == "learners"
        assert "You chose “Everyone”" not in client.get("/settings/privacy/").content.decode()
