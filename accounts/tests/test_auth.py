"""Sign up, sign in (username or email), sign out, password change and reset."""

import re

import pytest
from django.core import mail

from accounts.models import User
from compliance.models import AuditEvent
from learnerportal.tests.factories import PASSWORD, UserFactory
from learnerportal.tests.support import sign_up
from privacy.models import ProfileVisibility

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "kwame",
    "email": "Kwame@Example.org",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}


def test_sign_up_creates_a_private_account_and_signs_in(client):
    response = sign_up(client, SIGNUP)

    assert response.redirect_chain[-1][0] == "/settings/privacy/"
    assert "Your profile is private until you choose otherwise" in response.content.decode()
    user = User.objects.get(username="kwame")
    assert user.email == "Kwame@example.org"
    assert not ProfileVisibility.objects.filter(user=user).exists()  # no row: everything private
    assert client.get("/learners/kwame/").status_code == 200  # the owner sees their page
    assert AuditEvent.objects.filter(subject=user, action=AuditEvent.Action.SIGNED_UP).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "KWAME"}, "username", "That username is taken."),
        ({"username": "kw ame!"}, "username", "Use 3 to 30 letters"),
        ({"username": "a..b"}, "username", "Use 3 to 30 letters"),
        ({"username": "Admin"}, "username", "That username is reserved."),
        ({"username": "Erased"}, "username", "That username is reserved."),  # erased accounts are "erased-…"
        ({"username": "erased-1"}, "username", "That username is reserved."),
        ({"username": "ERASED_x2"}, "username", "That username is reserved."),
        ({"username": "3rased.k"}, "username", "That username is reserved."),
        ({"username": "supp0rt"}, "username", "That username is reserved."),  # reads as "support"
        ({"username": "no_reply"}, "username", "That username is reserved."),
        ({"password1": "password123", "password2": "password123"}, "password1", "This password is too common."),
        ({"password2": "something-else-entirely"}, "password2", "The two passwords differ."),
    ],
)
def test_sign_up_refuses_bad_input_beside_the_field(client, changes, field, message):
    UserFactory(username="kwame", email="kwame@example.org")
    page = client.post("/accounts/signup/", SIGNUP | {"username": "kwame2"} | changes).content.decode()
    assert message in page.split(f'id="id_{field}"')[1]
    assert User.objects.count() == 1


@pytest.mark.parametrize("identifier", ["lin", "LIN", "lin@example.org", "Lin@Example.org"])
def test_sign_in_with_username_or_email(client, identifier):
    UserFactory(username="lin", email="lin@example.org")
    response = client.post("/accounts/login/", {"username": identifier, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/settings/account/").status_code == 200


def test_wrong_password_says_so_without_revealing_which_part_was_wrong(client):
    UserFactory(username="lin", email="lin@example.org")
    wrong_password = client.post("/accounts/login/", {"username": "lin", "password": "nope"}).content.decode()
    no_account = client.post("/accounts/login/", {"username": "ghost", "password": "nope"}).content.decode()
    assert "do not match an account" in wrong_password
    assert "do not match an account" in no_account


def test_sign_out_needs_a_post(client):
    client.force_login(UserFactory())
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/settings/account/").status_code == 302


def test_password_change_on_the_security_tab(client):
    user = UserFactory()
    client.force_login(user)
    assert "autofocus" not in client.get("/settings/security/").content.decode(), "the page starts at the top"
    response = client.post(
        "/settings/security/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-phrase-42",
            "new_password2": "another-long-phrase-42",
        },
        follow=True,
    )
    assert "Your password is changed." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("another-long-phrase-42")
    assert AuditEvent.objects.filter(subject=user, action=AuditEvent.Action.PASSWORD_CHANGED).exists()


def test_password_reset_by_email_sets_a_new_password_once(client):
    user = UserFactory(username="lin", email="lin@example.org")
    client.post("/accounts/password/reset/", {"email": "lin@example.org"})

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    new = {"new_password1": "brand-new-phrase-77", "new_password2": "brand-new-phrase-77"}
    response = client.post(set_password_url, new, follow=True)

    assert "Your password is changed" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("brand-new-phrase-77")
    assert client.get("/settings/account/").status_code == 302, "a reset must not sign the learner in"
    assert "invalid or has already been used" in client.get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"}, follow=True)
    assert "If the address belongs to an account" in response.content.decode()
    assert mail.outbox == []


def test_sign_up_reports_a_weak_password_and_a_mismatch_together(client):
    page = client.post(
        "/accounts/signup/", SIGNUP | {"password1": "password", "password2": "passw0rd"}
    ).content.decode()
    assert "This password is too common." in page.split('id="id_password1"')[1]
    assert "The two passwords differ." in page.split('id="id_password2"')[1]


def test_password_change_errors_name_the_field_to_fix(client):
    user = UserFactory(username="lin-zhang")
    client.force_login(user)
    page = client.post(
        "/settings/security/",
        {"old_password": PASSWORD, "new_password1": "lin-zhang-1", "new_password2": "lin-zhang-1"},
    ).content.decode()
    assert "Your password was not changed" in page
    assert "too similar to the username" in page.split('id="id_new_password1"')[1].split('id="id_new_password2"')[0]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_development_console_prints_the_reset_link_whole(client):
    import io

    from learnerportal.mail import ReadableConsoleBackend

    UserFactory(username="lin", email="lin@example.org")
    client.post("/accounts/password/reset/", {"email": "lin@example.org"})
    console = io.StringIO()
    ReadableConsoleBackend(stream=console, alias="default").send_messages(mail.outbox)

    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)\n", console.getvalue())[1]
    assert "Choose a new password" in client.get(link, follow=True).content.decode()


def test_a_stale_form_gets_a_friendly_page_not_a_technical_one():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Please try that again" in response.content.decode()
