"""A new privacy policy: learners confirm their consents again; until then nothing optional happens."""

import datetime

import pytest
from django.core import mail

from compliance.models import StaffGroup
from learnerportal.tests.factories import PolicyVersionFactory, staff_member
from learnerportal.tests.support import sign_up
from privacy.models import Consent
from privacy.selectors import may_process
from privacy.services import consent_record, policy_activate

pytestmark = pytest.mark.django_db


def draft(version="2027-01"):
    return PolicyVersionFactory(
        version=version,
        effective_date=datetime.date(2027, 1, 1),
        summary="We now share progress with partners only per course.",
    )


@pytest.fixture
def learner(learner, client):
    """Noor, who agreed to research under the policy in force, signed in on ``client``."""
    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    client.force_login(learner)
    return learner


def test_activating_a_new_policy_pauses_consents_until_the_learner_confirms(
    client, learner, django_capture_on_commit_callbacks
):
    assert may_process(learner, "research")
    with django_capture_on_commit_callbacks(execute=True):
        policy_activate(actor=None, policy=draft())
    assert not may_process(learner, "research"), "consent given under the old policy is paused"
    assert any("We now share progress with partners only per course." in m.body for m in mail.outbox)

    response = client.get("/settings/account/")
    assert response["Location"].startswith("/privacy/policy/confirm/?next=%2Fsettings%2Faccount%2F")
    page = client.get(response["Location"]).content.decode()
    assert "We now share progress with partners only per course." in page
    assert 'name="research" checked' not in page, "nothing is ticked in advance"
    assert "(you had this on)" in page

    response = client.post("/privacy/policy/confirm/", {"research": "on", "next": "/settings/account/"})
    assert response["Location"] == "/settings/account/"
    assert may_process(learner, "research")
    assert Consent.objects.filter(user=learner, purpose="research", policy_version="2027-01", granted=True).exists()
    assert client.get("/settings/account/").status_code == 200


def test_unticking_at_confirmation_withdraws(client, learner):
    policy_activate(actor=None, policy=draft())
    client.post("/privacy/policy/confirm/", {"next": "/"})
    assert not may_process(learner, "research")
    assert client.get("/").status_code == 200


def test_only_drafts_are_activated_and_the_previous_version_is_archived():
    first = policy_activate(actor=None, policy=draft("2026-11"))
    second = policy_activate(actor=None, policy=draft("2027-01"))
    first.refresh_from_db()
    assert (first.status, second.status) == ("archived", "active")
    from privacy.exceptions import PrivacyError

    with pytest.raises(PrivacyError, match="not a draft"):
        policy_activate(actor=None, policy=second)


def test_the_privacy_officer_activates_a_version_in_admin(client, verified_login):
    officer = staff_member("dpo", StaffGroup.PRIVACY_OFFICER)
    verified_login(client, officer)
    policy = draft()
    client.post("/admin/privacy/policyversion/", {"action": "activate", "_selected_action": [policy.pk]})
    policy.refresh_from_db()
    assert policy.status == "active"
    assert client.get(f"/admin/privacy/policyversion/{policy.pk}/change/").status_code == 200
    response = client.post(f"/admin/privacy/policyversion/{policy.pk}/change/", {"summary": "Rewritten."})
    assert response.status_code == 403, "an active text cannot be rewritten"


def test_consents_cannot_be_granted_around_the_confirmation_page(client, learner):
    policy_activate(actor=None, policy=draft())
    response = client.post("/settings/privacy/consents/", {"purpose": "personalization", "granted": "1"})
    assert response["Location"] == "/privacy/policy/confirm/"
    assert not may_process(learner, "personalization")


def test_an_account_made_under_the_active_policy_is_not_asked_to_confirm_it(client):
    policy = draft()
    policy_activate(actor=None, policy=policy)

    response = sign_up(
        client,
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": "a-long-pass-phrase-7",
            "password2": "a-long-pass-phrase-7",
        },
    )

    assert response.redirect_chain and response.redirect_chain[-1][0] != "/privacy/policy/confirm/"
    assert "Our privacy policy changed" not in response.text
