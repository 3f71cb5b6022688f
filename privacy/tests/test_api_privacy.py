"""The API's privacy settings and consents: the Privacy tab's services, rules and audit rows."""

import datetime

import pytest
from django.utils import timezone

from compliance.models import AuditEvent
from learnerportal.tests.factories import PolicyVersionFactory, UserFactory
from learnerportal.tests.support import checked_radios, make_token, token_client
from privacy.models import Consent, ProfileVisibility
from privacy.selectors import may_process
from privacy.services import consent_record, policy_activate

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return UserFactory(username="imani")


def patch(api, body):
    return api.patch("/api/v1/me/privacy/", body, content_type="application/json")


def test_a_new_account_is_private_everywhere(api):
    data = api.get("/api/v1/me/privacy/").json()
    assert data["fields"] == dict.fromkeys(ProfileVisibility.FIELDS, "private")
    assert data["reviewed_at"] is None and data["public_allowed"] is True


@pytest.mark.django_db(transaction=True)  # committed, so that the cached profile is dropped as it is in production
def test_changing_visibility_saves_it_audits_it_and_the_profile_follows(api, learner):
    learner.profile.full_name = "Imani Wanjiru"
    learner.profile.save()
    assert token_client(make_token(UserFactory(), scope="read")).get("/api/v1/learners/imani/").status_code == 404
    response = patch(api, {"fields": {"full_name": "learners"}})
    assert response.status_code == 200
    assert response.json()["fields"]["full_name"] == "learners" and response.json()["reviewed_at"]
    event = AuditEvent.objects.get(subject=learner, action=AuditEvent.Action.VISIBILITY_CHANGED)
    assert event.changes == {"full_name": ["private", "learners"]} and event.actor == learner
    seen = token_client(make_token(UserFactory(), scope="read")).get("/api/v1/learners/imani/").json()
    assert seen == {"username": "imani", "full_name": "Imani Wanjiru"}


def test_in_the_browser_session_the_answer_to_a_change_shows_the_new_settings(client, learner):
    """The session's user arrives with its settings loaded; the answer must not be the settings before."""
    client.force_login(learner)
    made_public = client.patch("/api/v1/me/privacy/", {"fields": {"bio": "public"}}, content_type="application/json")
    assert made_public.status_code == 200

    response = client.patch("/api/v1/me/privacy/", {"fields": {"bio": "learners"}}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["fields"]["bio"] == "learners"
    assert client.get("/api/v1/me/privacy/").json()["fields"]["bio"] == "learners"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"fields": {"email": "public"}}, "invalid_audience", "fields.email"),
        ({"fields": {"bio": "everyone"}}, "invalid_audience", "fields.bio"),
        ({"fields": {"bio": ["public"]}}, "invalid_audience", "fields.bio"),
        ({"fields": "public"}, "invalid", "fields"),
        ({"fields": {"bio": "public"}, "extra": 1}, "invalid", "extra"),
        ([1, 2], "invalid", "fields"),
    ],
)
def test_bad_settings_are_refused_naming_the_field_and_nothing_changes(api, learner, body, code, field):
    response = patch(api, body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert not ProfileVisibility.objects.filter(user=learner).exists()


def test_every_bad_field_is_named_at_once_and_the_good_ones_are_not_saved_either(api, learner):
    response = patch(api, {"fields": {"full_name": "public", "bio": "everyone", "email": "public"}})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_audience"
    assert set(body["fields"]) == {"fields.bio", "fields.email"}
    assert '"everyone" is not an audience' in body["fields"]["fields.bio"][0], "quoted as JSON, as it was sent"
    assert "2 fields cannot be saved" in body["detail"]
    assert not ProfileVisibility.objects.filter(user=learner).exists()


def test_saving_nothing_counts_as_a_review_as_on_the_privacy_tab(api, learner):
    response = patch(api, {})
    assert response.status_code == 200 and response.json()["reviewed_at"]
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.VISIBILITY_REVIEWED).exists()


def test_a_request_naming_thousands_of_bad_fields_gets_a_short_answer(api, learner):
    response = patch(api, {"fields": {f"field{n}": "public" for n in range(5000)}})
    assert response.status_code == 400
    assert len(response.json()["fields"]) == 20
    assert "5000 fields cannot be saved" in response.json()["detail"]
    assert len(response.content) < 5_000


def test_under_16_a_field_made_public_earlier_is_listed_as_learners_as_on_the_privacy_tab(api, learner, client):
    patch(api, {"fields": {"bio": "public"}})
    learner.profile.date_of_birth = timezone.localdate() - datetime.timedelta(days=365 * 13)
    learner.profile.save()
    assert api.get("/api/v1/me/privacy/").json()["fields"]["bio"] == "learners"
    client.force_login(learner)
    assert checked_radios(client.get("/settings/privacy/").content.decode())["bio"] == "learners"


def test_under_16_nothing_can_be_made_public(api, learner):
    learner.profile.date_of_birth = timezone.localdate() - datetime.timedelta(days=365 * 13)
    learner.profile.save()
    assert api.get("/api/v1/me/privacy/").json()["public_allowed"] is False
    response = patch(api, {"fields": {"bio": "public", "country": "public", "photo": "learners"}})
    assert response.status_code == 403 and response.json()["code"] == "too_young"
    assert set(response.json()["fields"]) == {"fields.bio", "fields.country"}
    assert not ProfileVisibility.objects.filter(user=learner, photo="learners").exists()

    both = patch(api, {"fields": {"bio": "public", "photo": "bogus"}})
    assert both.status_code == 400 and both.json()["code"] == "invalid_audience"
    assert set(both.json()["fields"]) == {"fields.bio", "fields.photo"}, "the age refusal is named too"


def test_a_refused_value_is_quoted_as_sent_and_cut_short(api, learner):
    fields = patch(api, {"fields": {"bio": "😀", "k" * 20_000: "public"}}).json()["fields"]
    assert fields["fields.bio"][0].startswith('"😀" is not an audience')
    assert all(len(messages[0]) < 200 for messages in fields.values()), "a 20,000-character key is not echoed whole"


def test_consents_start_off_and_withdrawing_is_one_call(api, learner):
    rows = api.get("/api/v1/me/consents/").json()["results"]
    assert [row["purpose"] for row in rows] == ["marketing_email", "personalization", "research", "partner_sharing"]
    assert not any(row["granted"] for row in rows)
    granted = api.post(
        "/api/v1/me/consents/", {"purpose": "research", "granted": True}, content_type="application/json"
    )
    assert granted.status_code == 200 and granted.json()["granted"] is True and granted.json()["source"] == "api"
    assert may_process(learner, "research")
    withdrawn = api.post(
        "/api/v1/me/consents/", {"purpose": "research", "granted": False}, content_type="application/json"
    )
    assert withdrawn.json()["granted"] is False
    assert not may_process(learner, "research")
    history = api.get("/api/v1/me/consents/history/").json()
    assert [(row["purpose"], row["granted"]) for row in history["results"]] == [("research", False), ("research", True)]
    assert Consent.objects.filter(user=learner, source=Consent.Source.API).count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"purpose": "research", "granted": "yes"},
        {"purpose": "research", "granted": 1},
        {"purpose": "research", "granted": "true"},  # JSON has booleans; a string is not one
        {"purpose": "spam", "granted": True},
        {"purpose": "research"},
        {},
    ],
)
def test_only_a_clear_choice_for_a_known_purpose_is_recorded(api, learner, body):
    response = api.post("/api/v1/me/consents/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not Consent.objects.filter(user=learner).exists()


def test_after_an_objection_marketing_cannot_be_turned_on_again(api, learner):
    consent_record(
        actor=learner, user=learner, purpose="marketing_email", granted=False, source=Consent.Source.OBJECTION
    )
    response = api.post(
        "/api/v1/me/consents/", {"purpose": "marketing_email", "granted": True}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "objected"
    row = api.get("/api/v1/me/consents/").json()["results"][0]
    assert row["objected"] is True and row["granted"] is False


def test_a_new_privacy_policy_must_be_confirmed_before_granting(api, learner):
    policy_activate(actor=None, policy=PolicyVersionFactory())
    response = api.post(
        "/api/v1/me/consents/", {"purpose": "research", "granted": True}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "policy_confirmation_due"
    # Withdrawing is never blocked, and the API is not redirected to the confirmation page.
    assert api.get("/api/v1/me/consents/").status_code == 200


def test_a_granted_consent_is_not_in_force_while_processing_is_restricted(api, learner):
    from privacy.services import restriction_start

    api.post("/api/v1/me/consents/", {"purpose": "research", "granted": True}, content_type="application/json")
    research = next(row for row in api.get("/api/v1/me/consents/").json()["results"] if row["purpose"] == "research")
    assert research["granted"] is True and research["in_force"] is True
    restriction_start(actor=learner, user=learner, reason="My grades are wrong.")
    research = next(row for row in api.get("/api/v1/me/consents/").json()["results"] if row["purpose"] == "research")
    assert research["granted"] is True and research["in_force"] is False
