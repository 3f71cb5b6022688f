"""What a learner meets around signing in: emails about sign-in changes, password rules, messages."""

import pytest

from accounts.two_factor import two_factor_setup_begin, two_factor_setup_confirm
from learnerportal.tests.factories import PASSWORD, UserFactory
from learnerportal.tests.support import code_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return UserFactory(username="amara", email="amara.k@example.org")


def two_factor_on(user):
    """Turn 2FA on for ``user``; return the backup codes in clear."""
    device = two_factor_setup_begin(user=user)
    _, codes = two_factor_setup_confirm(user=user, device_id=device.pk, token=code_for(device))
    return codes


@pytest.mark.django_db(transaction=True)
def test_changing_the_password_emails_the_account_s_address(client, learner, mailoutbox):
    client.force_login(learner)
    new = "violet-harbour-1987"
    client.post("/settings/security/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    [message] = [m for m in mailoutbox if m.subject == "Your Learner Portal sign-in changed"]
    assert message.to == ["amara.k@example.org"]
    assert "The password of your Learner Portal account was changed." in message.body
    assert "If you did not expect this, reset your password" in message.body
    assert new not in message.body


@pytest.mark.parametrize("password", ["amara12345!", "xAMARA-2026-x", "amara.k-lighthouse"])
def test_a_password_holding_the_username_or_the_email_s_first_part_is_refused(client, learner, password):
    client.force_login(learner)
    page = client.post(
        "/settings/security/", {"old_password": PASSWORD, "new_password1": password, "new_password2": password}
    ).content.decode()
    assert "must not contain your username or the part of your email address before the @" in page
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD), "the old password still works"


def test_sign_up_refuses_a_password_holding_the_username(client):
    page = client.post(
        "/accounts/signup/",
        {"username": "kwame", "email": "k.mensah@example.org", "password1": "kwame12345", "password2": "kwame12345"},
    ).content.decode()
    assert "must not contain your username" in page


def test_signing_out_says_so(client, learner):
    client.force_login(learner)
    page = client.post("/accounts/logout/", follow=True).content.decode()
    assert "You are signed out." in page


def test_a_session_waiting_for_its_code_goes_to_the_code_step_not_the_password(client, learner):
    two_factor_on(learner)
    client.post("/accounts/login/", {"username": "amara", "password": PASSWORD})
    response = client.get("/settings/account/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/code/")
    assert "next=%2Fsettings%2Faccount%2F" in response.redirect_chain[-1][0]
    assert 'name="token"' in response.content.decode()


def test_signing_in_with_a_backup_code_says_how_many_are_left_and_warns_when_few(client, learner):
    codes = two_factor_on(learner)
    for index, code in enumerate(codes[:7]):
        client.post("/accounts/login/", {"username": "amara", "password": PASSWORD})
        page = client.post("/accounts/login/code/", {"token": code}, follow=True).content.decode()
        left = 10 - index - 1
        assert f"{left} backup code{'' if left == 1 else 's'} left." in page
        assert ("Make new ones on the Privacy tab" in page) is (left <= 3)
        client.post("/accounts/logout/")
