"""Personal access tokens: made and revoked on the Security tab, shown once, stored hashed, scoped, expiring."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import PersonalAccessToken, TOTPDevice, UserSession
from compliance.models import AuditEvent
from learnerportal.tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory
from learnerportal.tests.support import code_for, make_token, token_client

pytestmark = pytest.mark.django_db

TOKEN_PATTERN = re.compile(r"lpat_[A-Za-z0-9_-]{43}")


@pytest.fixture
def learner():
    return UserFactory(username="tomas", email="tomas@example.org")


def make_through_page(client, name="Backup script", scope="read", lifetime_days="30"):
    return client.post("/settings/security/tokens/new/", {"name": name, "scope": scope, "lifetime_days": lifetime_days})


def test_the_security_tab_lists_tokens_and_offers_a_new_one(signed_in, learner):
    make_token(learner, scope="read", name="Grade exporter")
    page = signed_in.get("/settings/security/").content.decode()
    assert "<title>Security settings · Learner Portal</title>" in page
    assert page.count('id="api-tokens"') == 1
    assert "API tokens" in page
    assert "Grade exporter" in page and "Read only" in page and "Never used" in page
    assert 'href="/settings/security/tokens/new/"' in page


def test_a_token_is_shown_once_and_only_its_hash_is_stored(signed_in, learner):
    response = make_through_page(signed_in)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = TOKEN_PATTERN.search(response.content.decode()).group(0)
    token = PersonalAccessToken.objects.get(user=learner)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert token.scope == "read" and token.name == "Backup script"
    assert "<dt>What it can do</dt><dd>Read only</dd>" in response.content.decode()
    assert token.expires_at - token.created_at == datetime.timedelta(days=30)
    # Nowhere in the database, and never again on a page.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_personalaccesstoken")
        assert raw not in repr(cursor.fetchall())
    assert raw not in signed_in.get("/settings/security/").content.decode()
    assert raw[:12] in signed_in.get("/settings/security/").content.decode()  # the hint tells tokens apart
    event = AuditEvent.objects.get(subject=learner, action=AuditEvent.Action.API_TOKEN_CREATED)
    assert raw not in repr(event.changes)


def test_the_new_token_works_on_the_api_and_its_use_is_shown(learner):
    raw = make_token(learner, scope="read")
    response = token_client(raw).get("/api/v1/me/profile/")
    assert response.status_code == 200 and response.json()["username"] == "tomas"
    assert PersonalAccessToken.objects.get(user=learner).last_used_at is not None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "scope": "read", "lifetime_days": "30"}, "name"),
        ({"name": "x", "scope": "admin", "lifetime_days": "30"}, "scope"),
        ({"name": "x", "scope": "read", "lifetime_days": "10000"}, "lifetime_days"),
    ],
)
def test_bad_choices_are_explained_beside_the_field_and_nothing_is_made(signed_in, learner, data, field):
    response = signed_in.post("/settings/security/tokens/new/", data)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode() or "Select a valid choice" in response.content.decode()
    assert not PersonalAccessToken.objects.exists()


def test_making_a_token_asks_for_the_password_when_the_sign_in_is_old(client, learner):
    client.force_login(learner)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
        response = make_through_page(client)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/confirm-password/")
    assert not PersonalAccessToken.objects.exists()


def test_a_session_without_its_two_factor_code_cannot_make_a_token(client, learner):
    TOTPDeviceFactory(user=learner)
    client.force_login(learner)  # password only
    response = make_through_page(client)
    assert response.status_code == 302
    assert not PersonalAccessToken.objects.exists()


def test_a_revoked_token_stops_working_at_once(signed_in, learner):
    raw = make_token(learner)
    token = PersonalAccessToken.objects.get(user=learner)
    response = signed_in.post(f"/settings/security/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    refused = token_client(raw).get("/api/v1/me/profile/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_token"
    assert refused["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Revoked" in signed_in.get("/settings/security/").content.decode()
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.API_TOKEN_REVOKED).exists()


def test_nobody_can_revoke_another_learners_token(client, learner):
    make_token(learner)
    token = PersonalAccessToken.objects.get(user=learner)
    client.force_login(UserFactory())
    assert client.post(f"/settings/security/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_token_is_refused(learner):
    raw = make_token(learner, lifetime_days=30)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30, seconds=1)):
        response = token_client(raw).get("/api/v1/me/profile/")
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


def test_a_token_of_a_closed_account_is_refused(learner):
    raw = make_token(learner)
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    assert token_client(raw).get("/api/v1/me/profile/").status_code == 401


@pytest.mark.parametrize("header", ["Bearer lpat_not-a-real-token", "Bearer", "Bearer a b", "Bearer lpat_é"])
def test_malformed_or_unknown_tokens_are_refused_as_json(header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me/profile/")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_read_only_token_cannot_change_anything(learner):
    client = token_client(make_token(learner, scope="read"))
    response = client.patch("/api/v1/me/privacy/", {"fields": {"bio": "public"}}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    assert client.get("/api/v1/me/privacy/").json()["fields"]["bio"] == "private"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/rights_requests/rightsrequest/",
        "/settings/privacy/two-factor/disable/",
        "/settings/privacy/two-factor/backup-codes/",
        "/settings/account/",
        "/settings/security/tokens/new/",
    ],
)
def test_a_token_never_opens_pages_the_admin_or_two_factor_settings(path, verified_login):
    staff = UserFactory(username="staffer", is_staff=True, is_superuser=True)
    TOTPDeviceFactory(user=staff)
    response = token_client(make_token(staff, scope="read_write")).get(path)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "/admin/login/" in response["Location"]


def test_a_token_cannot_turn_off_two_factor_authentication(learner):
    TOTPDeviceFactory(user=learner)
    client = token_client(make_token(learner, scope="read_write"))
    response = client.post("/settings/privacy/two-factor/disable/", {"password": "x", "token": "123456"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert learner.totpdevice_set.filter(confirmed=True).exists()


def test_a_token_used_beside_someone_elses_session_does_not_touch_that_session(client, learner):
    other = UserFactory(username="sessionowner")
    client.force_login(other)
    client.get("/settings/security/")
    key = client.session.session_key
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {make_token(learner)}"
    assert client.get("/api/v1/me/profile/").json()["username"] == "tomas"
    assert UserSession.objects.get(session_id=key).user == other
    assert Session.objects.filter(pk=key).exists()


def test_ended_tokens_are_deleted_90_days_after_they_end(signed_in, learner):
    make_token(learner, lifetime_days=30)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=121)):
        signed_in.force_login(learner)
        signed_in.get("/settings/security/")
    assert not PersonalAccessToken.objects.exists()


def test_a_password_reset_by_email_revokes_every_token(learner):
    from accounts.services import password_reset_completed

    raw = make_token(learner)
    password_reset_completed(user=learner)
    assert token_client(raw).get("/api/v1/me/profile/").status_code == 401


def test_changing_the_password_revokes_every_token_and_says_so(signed_in, learner):
    raws = [make_token(learner), make_token(learner, scope="read")]
    other = make_token(UserFactory(username="ines"))
    response = signed_in.post(
        "/settings/security/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-9",
            "new_password2": "a-new-long-passphrase-9",
        },
        follow=True,
    )
    assert "Other devices have been signed out and your 2 API tokens revoked." in response.content.decode()
    assert [token_client(raw).get("/api/v1/me/profile/").status_code for raw in raws] == [401, 401]
    assert token_client(other).get("/api/v1/me/profile/").status_code == 200, "another learner's token is untouched"
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.API_TOKEN_REVOKED).count() == 2


def test_turning_on_two_factor_revokes_the_tokens_a_password_alone_could_have_made(signed_in, learner):
    raw = make_token(learner)
    signed_in.get("/settings/privacy/two-factor/setup/")
    device = TOTPDevice.objects.get(user=learner, confirmed=False)
    page = signed_in.post("/settings/privacy/two-factor/setup/", {"token": code_for(device)}).content.decode()
    assert "your API tokens revoked: make new ones if you need them" in page
    assert token_client(raw).get("/api/v1/me/profile/").status_code == 401


def test_the_daily_prune_deletes_every_accounts_long_ended_tokens_and_keeps_the_rest(learner):
    from io import StringIO

    from django.core.management import call_command

    ended = make_token(learner, lifetime_days=30)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=121)):
        current = make_token(UserFactory(username="ines"), lifetime_days=30)
        out = StringIO()
        call_command("api_tokens_prune", stdout=out)
        assert out.getvalue() == "Deleted 1 ended API token(s).\n"
        assert token_client(current).get("/api/v1/me/profile/").status_code == 200
    assert token_client(ended).get("/api/v1/me/profile/").status_code == 401
    assert PersonalAccessToken.objects.count() == 1
