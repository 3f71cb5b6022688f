"""Signing up does not reveal which addresses have an account: the link emailed to the address makes it."""

import datetime
import logging
import re
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings

from accounts.models import SignupConfirmation, User
from compliance.models import AuditEvent
from learnerportal.tests.factories import UserFactory
from learnerportal.tests.support import REFUSING_MAILERS, signup_finish, signup_link, signup_post

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "kofi",
    "email": "kofi@example.org",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}
TAKEN = SIGNUP | {"email": "KWAME@example.org"}
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def kwame():
    """A learner whose address someone else tries to sign up with."""
    return UserFactory(username="kwame", email="kwame@example.org")


def _answer(response):
    """Return what a visitor can observe of an answer: status, headers, cookies (with their attributes)."""
    headers = {name: value for name, value in response.headers.items() if name not in {"Date", "X-Request-ID"}}
    cookies = {name: dict(morsel.items()) for name, morsel in response.cookies.items()}
    return response.status_code, headers, cookies


def _page(response):
    """Return the page without the parts that differ on every load (the form's CSRF token, the CSP nonce)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', "", page)


def test_the_form_answers_the_same_for_a_new_and_a_taken_address(kwame):
    new_client, taken_client = Client(), Client()
    new = signup_post(new_client, SIGNUP)
    taken = signup_post(taken_client, TAKEN)

    assert new.status_code == 302 and new["Location"] == "/accounts/signup/sent/"
    assert _answer(new) == _answer(taken)
    new_page, taken_page = new_client.get(new["Location"]), taken_client.get(taken["Location"])
    assert _answer(new_page) == _answer(taken_page)
    assert _page(new_page) == _page(taken_page)
    assert "Check your email to finish creating your account" in _page(new_page)
    assert "kofi@example.org" not in _page(new_page), "the page does not repeat the address"


@pytest.mark.parametrize("data", [SIGNUP, TAKEN], ids=["new", "taken"])
def test_a_mail_server_that_fails_leaves_the_same_answer_and_no_address_in_the_log(kwame, data, caplog):
    with override_settings(MAILERS=REFUSING_MAILERS):
        response = signup_post(Client(), data)

    assert response.status_code == 302 and response["Location"] == "/accounts/signup/sent/"
    assert "A sign-up email could not be sent (SMTPRecipientsRefused)." in caplog.text
    assert "example.org" not in caplog.text


def test_both_answers_do_the_same_work_so_they_take_as_long(kwame):
    with mock.patch("accounts.services.signups.make_password", wraps=make_password) as hashing:
        signup_post(Client(), SIGNUP)
        signup_post(Client(), TAKEN)
    assert hashing.call_count == 2, "the password is hashed for a taken address too"
    assert len(mail.outbox) == 2, "one email each, sent after the commit"


def test_the_owner_of_a_taken_address_is_told_and_nothing_is_made(kwame):
    signup_post(Client(), TAKEN)

    [message] = mail.outbox
    assert message.to == ["kwame@example.org"]
    assert message.subject == "Someone tried to create a Learner Portal account with your address"
    assert "http://testserver/accounts/login/" in message.body
    assert "http://testserver/accounts/password/reset/" in message.body
    assert "/accounts/signup/confirm/" not in message.body
    assert "kofi" not in message.body, "the owner is not told the username the stranger chose"
    assert list(User.objects.values_list("username", flat=True)) == ["kwame"]
    assert not SignupConfirmation.objects.exists()


def test_the_link_makes_the_account_once_and_signs_in(client):
    signup_post(client, SIGNUP)
    [message] = mail.outbox
    assert message.to == ["kofi@example.org"]
    assert message.subject == "Finish creating your Learner Portal account"
    assert "within 24 hours" in message.body
    link = signup_link(message)

    opened = client.get(link)  # a mail scanner opening the link makes nothing
    assert opened.status_code == 200
    assert "Create the account <strong>kofi</strong>" in opened.content.decode()
    assert not User.objects.filter(username="kofi").exists()

    response = signup_finish(client, link, follow=True)

    assert response.redirect_chain[-1][0] == "/settings/privacy/"
    assert "Your profile is private until you choose otherwise" in response.content.decode()
    user = User.objects.get(username="kofi")
    assert user.email == "kofi@example.org" and user.is_active
    assert user.check_password(SIGNUP["password1"]), "the password chosen on the form"
    assert AuditEvent.objects.filter(subject=user, action=AuditEvent.Action.SIGNED_UP).count() == 1
    assert not SignupConfirmation.objects.exists()

    stranger = Client()
    again = signup_finish(stranger, link)
    assert again.status_code == 400
    assert "This sign-up link does not work" in again.content.decode()
    assert stranger.get("/settings/account/").status_code == 302, "a used link signs nobody in"
    assert stranger.get(link).status_code == 400
    assert User.objects.count() == 1


def test_a_link_works_for_24_hours_then_is_deleted():
    with time_machine.travel(START, tick=False) as traveller:
        signup_post(Client(), SIGNUP)
        signup_post(Client(), SIGNUP | {"username": "ama", "email": "ama@example.org"})
        kofi_link, ama_link = (signup_link(message) for message in mail.outbox)

        traveller.move_to(START + datetime.timedelta(hours=23, minutes=59))
        assert signup_finish(Client(), ama_link).status_code == 302

        traveller.move_to(START + datetime.timedelta(hours=24, seconds=1))
        client = Client()
        assert "It may have expired" in client.get(kofi_link).content.decode()
        response = signup_finish(client, kofi_link)
        assert response.status_code == 400
        assert "This sign-up link does not work" in response.content.decode()
        assert not User.objects.filter(username="kofi").exists()

        signup_post(Client(), SIGNUP | {"username": "esi", "email": "esi@example.org"})
        assert list(SignupConfirmation.objects.values_list("username", flat=True)) == ["esi"], "expired ones deleted"


def test_the_daily_prune_deletes_expired_sign_ups_only():
    with time_machine.travel(START, tick=False) as traveller:
        signup_post(Client(), SIGNUP)
        traveller.move_to(START + datetime.timedelta(hours=12))
        signup_post(Client(), SIGNUP | {"username": "ama", "email": "ama@example.org"})
        traveller.move_to(START + datetime.timedelta(hours=25))
        call_command("signup_confirmations_prune", stdout=None)
    assert list(SignupConfirmation.objects.values_list("username", flat=True)) == ["ama"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda path: path[:-6] + "/", id="cut short"),
        pytest.param(lambda path: path[:-2] + ("A" if path[-2] != "A" else "B") + "/", id="one character changed"),
        pytest.param(lambda path: "/accounts/signup/confirm/%00%ff/", id="garbage"),
    ],
)
def test_a_changed_link_gives_a_clear_page_and_makes_nothing(client, change):
    signup_post(client, SIGNUP)
    link = change(signup_link(mail.outbox[0]))

    for response in (client.get(link), signup_finish(client, link)):
        assert response.status_code == 400
        assert "This sign-up link does not work" in response.content.decode()
        assert "Sign up again" in response.content.decode()
    assert not User.objects.exists()


def test_a_username_taken_after_the_link_was_sent_is_explained():
    first, second = Client(), Client()
    signup_post(first, SIGNUP)
    signup_post(second, SIGNUP | {"email": "kofi.other@example.org"})  # the same username, not yet taken
    first_link, second_link = (signup_link(message) for message in mail.outbox)
    signup_finish(first, first_link)

    response = signup_finish(second, second_link)

    assert response.status_code == 400
    assert "That username was taken in the meantime" in response.content.decode()
    assert list(User.objects.values_list("email", flat=True)) == ["kofi@example.org"]
    assert second.get("/settings/account/").status_code == 302


def test_one_address_makes_one_account_whichever_link_is_used_first():
    signup_post(Client(), SIGNUP)
    signup_post(Client(), SIGNUP | {"username": "kofi-b"})
    first_link, second_link = (signup_link(message) for message in mail.outbox)

    assert signup_finish(Client(), second_link).status_code == 302
    response = signup_finish(Client(), first_link)

    assert response.status_code == 400
    assert list(User.objects.values_list("username", flat=True)) == ["kofi-b"]
    assert not SignupConfirmation.objects.exists()


def test_an_address_given_an_account_by_staff_meanwhile_is_sent_to_sign_in(client):
    signup_post(client, SIGNUP)
    UserFactory(username="kofi-staff-made", email="Kofi@Example.org")

    response = signup_finish(client, signup_link(mail.outbox[0]))

    assert response.status_code == 400
    assert "You already have an account" in response.content.decode()
    assert User.objects.count() == 1


def test_sign_up_emails_to_one_address_are_capped_and_the_answer_does_not_change(kwame):
    answers = [signup_post(Client(), TAKEN) for _ in range(4)]
    answers += [signup_post(Client(), SIGNUP) for _ in range(4)]

    assert {(answer.status_code, answer["Location"]) for answer in answers} == {(302, "/accounts/signup/sent/")}
    assert [message.to for message in mail.outbox] == [["kwame@example.org"]] * 3 + [["kofi@example.org"]] * 3
    assert SignupConfirmation.objects.count() == 3


def test_neither_the_address_nor_the_link_is_logged(client, kwame, caplog):
    caplog.set_level(logging.DEBUG)
    signup_post(client, SIGNUP)
    signup_post(Client(), TAKEN)
    link = signup_link(mail.outbox[0])
    client.get(link)
    signup_finish(client, link)
    signup_finish(Client(), link)  # used: a 400, which Django logs

    token = link.rstrip("/").rsplit("/", 1)[1]
    for secret in ("kofi@example.org", "kwame@example.org", "KWAME@example.org", token):
        assert secret not in caplog.text
        assert all(secret not in str(record.args) for record in caplog.records)


def test_a_taken_username_is_still_reported_beside_its_field(kwame):
    page = signup_post(Client(), SIGNUP | {"username": "Kwame"}).content.decode()
    assert "That username is taken." in page.split('id="id_username"')[1]
    assert mail.outbox == []


def test_a_waiting_sign_up_is_in_the_privacy_notice(client):
    page = client.get("/privacy/notice/").content.decode()
    assert "A sign-up waiting for you to confirm your email address" in page


@pytest.mark.parametrize("email", ["kofi@exa\u202emple.org", "kofi@exa\u0000mple.org", "kofi@" + "é" * 60 + ".org"])
def test_an_address_mail_cannot_reach_is_refused_beside_the_field_and_nothing_is_made(email):
    """A domain IDNA cannot encode, or direction controls disguising it, fail when mail is sent: refuse them first."""
    response = signup_post(Client(), SIGNUP | {"email": email})

    assert response.status_code == 200
    assert 'id="id_email_error"' in response.content.decode() or "email" in response.context["form"].errors
    assert not SignupConfirmation.objects.exists()
    assert not mail.outbox
