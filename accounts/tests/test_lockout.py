"""Sign-in lockout (django-axes): per account and per IP address, without revealing which accounts exist."""

import datetime
import importlib
import logging

import pytest
import time_machine
from axes.models import AccessAttempt
from django.apps import apps
from django.test import Client
from django.utils import timezone

from compliance.models import AuditEvent
from compliance.registry import Category, Delete, registry
from learnerportal.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LIMIT = 3
LOCKED = "Signing in is paused"
WRONG = "do not match an account"
WRONG_PASSWORD = "wrong-password"


@pytest.fixture(autouse=True)
def failure_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def attempt(identifier, password=WRONG_PASSWORD, *, ip="203.0.113.10"):
    """POST the sign-in form from a fresh browser at ``ip``; return the response."""
    return Client(REMOTE_ADDR=ip, HTTP_USER_AGENT="Mozilla/5.0 Firefox/133.0").post(
        LOGIN, {"username": identifier, "password": password}
    )


def is_locked(response):
    return response.status_code == 429 and LOCKED in response.content.decode()


def test_an_account_is_locked_after_the_limit_and_the_right_password_is_refused_too(amara):
    for _ in range(LIMIT - 1):
        response = attempt("amara")
        assert response.status_code == 200
        assert WRONG in response.content.decode()

    assert is_locked(attempt("amara"))

    client = Client(REMOTE_ADDR="203.0.113.10")
    assert is_locked(client.post(LOGIN, {"username": "amara", "password": PASSWORD}))
    assert client.get("/settings/account/").status_code == 302, "not signed in"


def test_the_username_in_any_case_and_the_email_address_count_against_one_account(amara):
    # From three networks, so that only the account's own count can lock it.
    assert attempt("amara", ip="203.0.113.1").status_code == 200
    assert attempt("AMARA", ip="198.51.100.2").status_code == 200
    assert is_locked(attempt(" Amara@Example.org ", ip="192.0.2.3"))

    assert is_locked(attempt("amara", PASSWORD, ip="192.0.2.99"))
    assert attempt("amara", PASSWORD, ip="192.0.2.99").status_code == 429


def test_one_network_is_locked_after_the_limit_across_accounts(amara):
    other = UserFactory()
    assert attempt("amara").status_code == 200
    assert attempt(other.username).status_code == 200
    assert is_locked(attempt("nobody-here"))

    third = UserFactory()
    assert is_locked(attempt(third.username, PASSWORD)), "the network is locked, whatever the account"
    assert attempt(third.username, PASSWORD, ip="198.51.100.7").status_code == 302, "other networks are not"


def test_an_unknown_name_is_locked_exactly_like_an_account_with_the_same_page(amara):
    known = [attempt("amara", ip="203.0.113.1") for _ in range(LIMIT)]
    unknown = [attempt("ghost", ip="198.51.100.2") for _ in range(LIMIT)]

    assert [response.status_code for response in known] == [response.status_code for response in unknown]
    assert known[-1].status_code == 429
    assert known[-1].content == unknown[-1].content
    assert "amara" not in known[-1].content.decode()


def test_a_successful_sign_in_before_the_limit_resets_the_count(amara):
    for _ in range(LIMIT - 1):
        attempt("amara")
    assert attempt("amara", PASSWORD).status_code == 302

    for _ in range(LIMIT - 1):
        assert attempt("amara").status_code == 200
    assert is_locked(attempt("amara"))


def test_the_lockout_page_is_the_portals_own_page_saying_when_to_try_again(amara):
    for _ in range(LIMIT):
        response = attempt("amara")

    page = response.content.decode()
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert '<link rel="stylesheet"' in page
    assert "<h1>Signing in is paused</h1>" in page
    assert "Please wait <strong>15 minutes</strong>, then try again." in page
    assert 'href="/accounts/password/reset/"' in page
    assert "Account locked: too many login attempts" not in page  # django-axes' plain text


def test_the_lock_ends_after_the_cool_off_period(amara):
    for _ in range(LIMIT):
        attempt("amara")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=14)):
        assert is_locked(attempt("amara", PASSWORD))
    # That attempt started the wait again.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=30)):
        assert attempt("amara", PASSWORD).status_code == 302


def test_a_lockout_is_recorded_once_in_the_accounts_audit_log(amara):
    for _ in range(LIMIT + 2):
        attempt("amara")
    for _ in range(LIMIT):
        attempt("ghost", ip="198.51.100.2")

    events = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_LOCKED_OUT)
    assert [(event.subject, event.actor) for event in events] == [(amara, None)]


def test_the_log_names_no_account_and_no_ip_address(amara, caplog):
    caplog.set_level(logging.DEBUG)
    for _ in range(LIMIT):
        attempt("amara@example.org", ip="203.0.113.10")

    for secret in ("amara", "203.0.113.10", "Firefox"):
        assert secret not in caplog.text


def test_failed_attempts_are_declared_as_personal_data_of_the_account(amara):
    attempt("AMARA@example.org")
    attempt("ghost")

    declaration = registry.get(AccessAttempt)
    assert declaration.categories == [Category.SECURITY]
    assert declaration.erasure == Delete()
    assert declaration.queryset_for(amara).count() == 1


def test_a_failed_sign_in_keeps_nothing_of_its_form_query_string_or_accept_header(amara):
    stranger = Client(REMOTE_ADDR="203.0.113.10", HTTP_USER_AGENT="Firefox/133.0", HTTP_ACCEPT="text/x-planted")
    for typo in ("first-Mistyped-1", "second-Mistyped-2"):  # the first failure creates the row, the next updates it
        stranger.post(f"{LOGIN}?next=/&ref=planted-query", {"username": "amara", "password": typo, "pin": typo})

    attempt = AccessAttempt.objects.get(username="amara")
    assert attempt.failures_since_start == 2
    assert (attempt.get_data, attempt.post_data, attempt.http_accept) == ("", "", "")
    stored = " ".join(str(value) for value in AccessAttempt.objects.values_list().get())
    for secret in ("Mistyped", "planted"):
        assert secret not in stored


def test_failed_sign_ins_kept_from_before_lose_their_form_query_string_and_accept_header(amara):
    # Rows as django-axes wrote them before (bulk_create bypasses the receiver that blanks them now).
    AccessAttempt.objects.bulk_create(
        [
            AccessAttempt(
                username="amara",
                ip_address="203.0.113.10",
                user_agent="Mozilla/5.0 Firefox/133.0",
                http_accept="text/html",
                path_info=LOGIN,
                get_data="next=/",
                post_data="username=amara\ntoken=abcde-fghij",
                attempt_time=timezone.now(),
                failures_since_start=1,
            )
        ]
    )

    importlib.import_module("accounts.migrations.0009_blank_failed_sign_in_form_data").blank_form_data(apps, None)

    attempt = AccessAttempt.objects.get()
    assert (attempt.get_data, attempt.post_data, attempt.http_accept) == ("", "", "")
    assert (attempt.username, attempt.failures_since_start) == ("amara", 1)


def test_the_admin_page_of_a_failed_sign_in_shows_no_form(amara, verified_login):
    attempt("amara")
    officer = UserFactory(username="priya", is_staff=True, is_superuser=True)
    client = Client()
    verified_login(client, officer)

    page = client.get(f"/admin/axes/accessattempt/{AccessAttempt.objects.get().pk}/change/").content.decode()

    assert "203.0.113.10" in page
    for hidden in ("Form Data", "POST Data", "GET Data", "HTTP Accept"):
        assert hidden not in page


def test_signing_in_to_ones_own_account_does_not_wipe_the_failures_against_another(amara):
    attacker = UserFactory()
    for _ in range(LIMIT - 1):
        attempt("amara", ip="203.0.113.66")
        assert attempt(attacker.username, PASSWORD, ip="203.0.113.66").status_code == 302
    assert is_locked(attempt("amara", ip="198.51.100.2"))


def test_a_password_reset_by_email_lifts_the_lockout_and_ends_every_session(client, amara):
    import re

    from django.core import mail
    from django.test import Client

    other_device = Client()
    other_device.force_login(amara)
    for _ in range(LIMIT):
        attempt("amara", ip="203.0.113.9")
    assert is_locked(attempt("amara", PASSWORD, ip="203.0.113.9"))

    client.post("/accounts/password/reset/", {"email": amara.email})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": "brand-new-phrase-77", "new_password2": "brand-new-phrase-77"})

    assert other_device.get("/settings/account/").status_code == 302
    assert attempt("amara", "brand-new-phrase-77", ip="198.51.100.77").status_code == 302
