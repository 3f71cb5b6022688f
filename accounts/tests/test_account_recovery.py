"""Recovering an account whose every second factor is lost: request, link, waiting period, cancel, completion."""

import datetime
import re

import pytest
import time_machine
from django.contrib import admin
from django.core import mail
from django.core.management import call_command
from django.test import Client

from accounts.checks import check_recovery_wait
from accounts.models import AccountRecovery, BackupCode, BackupCodeDevice, TOTPDevice
from accounts.recovery import account_recovery_complete
from compliance.erasure import erasure_execute
from compliance.models import AuditEvent, StaffGroup
from learnerportal.tests.factories import PASSWORD, BackupCodeFactory, TOTPDeviceFactory, UserFactory, staff_member
from learnerportal.tests.support import code_for, make_token, password_step_client, token_client, unmarked_text

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
WAIT = datetime.timedelta(hours=72)
Action = AuditEvent.Action


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def owner():
    """Return lin, with an authenticator app and a backup code: two-factor authentication on."""
    user = UserFactory(username="lin", email="lin@example.org")
    TOTPDeviceFactory(user=user)
    BackupCodeFactory(device__user=user)
    return user


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Return a context manager in which what waits for the commit (emails) runs."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def link_in(message, kind):
    """Return the path of the recovery link of ``kind`` ("start" or "cancel") in an email."""
    return re.search(rf"http://testserver(/accounts/recovery/\d+/{kind}/\S+/)", message.body)[1]


def ask(owner, run_on_commit):
    """Sign in with the password, say "I can't use any of my methods"; return the page shown."""
    client = password_step_client(owner)
    with run_on_commit():
        return client.post("/accounts/login/code/recovery/")


def start(owner, run_on_commit):
    """Ask for a recovery and follow its emailed link; return the ``AccountRecovery``, waiting."""
    ask(owner, run_on_commit)
    with run_on_commit():
        Client().post(link_in(mail.outbox[-1], "start"))
    return AccountRecovery.objects.get(user=owner)


def signed_in_with_code(user, clock):
    """Return a client that signed in with ``user``'s password and authenticator code, 30 s later (a new code)."""
    clock.shift(30)
    client = password_step_client(user)
    response = client.post("/accounts/login/code/", {"token": code_for(TOTPDevice.objects.get(user=user))})
    assert response.status_code == 302
    return client


def actions_of(user):
    return list(AuditEvent.objects.filter(subject=user).order_by("created_at", "id").values_list("action", flat=True))


def test_the_code_step_offers_a_way_back_that_emails_the_owner_a_link_and_changes_nothing(owner, run_on_commit):
    client = password_step_client(owner)
    code_step = client.get("/accounts/login/code/").content.decode()
    assert 'href="/accounts/login/code/recovery/"' in code_step and "use any of my methods" in code_step
    explained = client.get("/accounts/login/code/recovery/").content.decode()
    assert "72 hours" in explained and "Email me a recovery link" in explained

    with run_on_commit():
        page = client.post("/accounts/login/code/recovery/")

    assert "If your account can be recovered, a link is on its way" in page.content.decode()
    assert [message.to for message in mail.outbox] == [["lin@example.org"]]
    assert "open this link within 24 hours" in mail.outbox[0].body
    assert "someone knows your password" in mail.outbox[0].body
    assert AccountRecovery.objects.get(user=owner).status == AccountRecovery.Status.REQUESTED
    assert TOTPDevice.objects.filter(user=owner).exists() and BackupCode.objects.filter(device__user=owner).exists()
    assert Action.RECOVERY_REQUESTED in actions_of(owner)
    assert client.get("/settings/account/").status_code == 302, "the half-finished sign-in ended"


def test_the_recovery_page_needs_the_password_step_first(client):
    response = client.get("/accounts/login/code/recovery/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_following_the_link_starts_the_waiting_period_and_emails_a_one_click_cancel(owner, run_on_commit, clock):
    ask(owner, run_on_commit)
    link = link_in(mail.outbox[-1], "start")
    visitor = Client()
    assert "Start the recovery" in visitor.get(link).content.decode()
    assert AccountRecovery.objects.get(user=owner).status == AccountRecovery.Status.REQUESTED, "opening changes nothing"

    clock.shift(3600)
    with run_on_commit():
        page = visitor.post(link).content.decode()

    recovery = AccountRecovery.objects.get(user=owner)
    assert recovery.status == AccountRecovery.Status.WAITING
    assert recovery.completes_at == START + datetime.timedelta(hours=1) + WAIT
    assert "3 Dec 2026, 10:00" in page, "when the second factors go"
    told = mail.outbox[-1]
    assert told.to == ["lin@example.org"] and "cancel it now with one click" in told.body
    assert "3 Dec 2026, 10:00" in told.body
    assert actions_of(owner)[-1] == Action.RECOVERY_STARTED
    assert visitor.post(link).status_code == 400, "the link works once"


def test_a_start_link_dies_after_a_day_and_when_a_newer_one_is_sent(owner, run_on_commit, clock):
    ask(owner, run_on_commit)
    first = link_in(mail.outbox[-1], "start")
    clock.shift(60)
    ask(owner, run_on_commit)
    second = link_in(mail.outbox[-1], "start")
    assert Client().post(first).status_code == 400
    clock.shift(24 * 3600 + 1)
    assert Client().post(second).status_code == 400
    assert AccountRecovery.objects.get(user=owner).status == AccountRecovery.Status.REQUESTED


def test_every_signed_in_session_of_the_owner_shows_the_recovery_with_a_cancel_button(owner, run_on_commit, clock):
    phone, laptop = signed_in_with_code(owner, clock), signed_in_with_code(owner, clock)
    other = UserFactory(username="ana")
    stranger = Client()
    stranger.force_login(other)
    start(owner, run_on_commit)

    for client, path in ((phone, "/"), (laptop, "/settings/account/"), (laptop, "/settings/security/")):
        page = client.get(path).content.decode()
        assert "A recovery of your account is under way" in page
        assert 'action="/settings/security/recovery/cancel/"' in page
        assert "3 Dec 2026, 09:01" in page
    assert "A recovery of your account is under way" not in stranger.get("/").content.decode()


def test_signing_in_with_a_second_factor_during_the_wait_does_not_cancel_it_but_says_so(owner, run_on_commit, clock):
    start(owner, run_on_commit)
    clock.shift(3600)
    client = password_step_client(owner)
    code = code_for(TOTPDevice.objects.get(user=owner))
    page = client.post("/accounts/login/code/", {"token": code}, follow=True).content.decode()
    assert "signing in does not stop it" in page and "A recovery of your account is under way" in page
    assert AccountRecovery.objects.get(user=owner).status == AccountRecovery.Status.WAITING


def test_the_owner_cancels_from_the_email_in_one_click_and_keeps_every_second_factor(owner, run_on_commit, clock):
    recovery = start(owner, run_on_commit)
    link = link_in(mail.outbox[-1], "cancel")
    assert "Cancel the recovery" in Client().get(link).content.decode()
    assert AccountRecovery.objects.get(pk=recovery.pk).status == AccountRecovery.Status.WAITING

    with run_on_commit():
        page = Client().post(link).content.decode()

    assert "The recovery is cancelled" in page
    assert AccountRecovery.objects.get(pk=recovery.pk).status == AccountRecovery.Status.CANCELLED
    assert "was cancelled" in mail.outbox[-1].body and mail.outbox[-1].to == ["lin@example.org"]
    cancelled = AuditEvent.objects.filter(subject=owner, action=Action.RECOVERY_CANCELLED).get()
    assert cancelled.actor == owner
    assert Client().post(link).status_code == 400, "used up"
    clock.shift(WAIT.total_seconds() + 60)
    call_command("account_recoveries_run", stdout=None)
    assert TOTPDevice.objects.filter(user=owner).exists() and BackupCodeDevice.objects.filter(user=owner).exists()


def test_the_owner_cancels_from_the_banner_and_stays_on_the_page(owner, run_on_commit, clock):
    client = signed_in_with_code(owner, clock)
    start(owner, run_on_commit)
    with run_on_commit():
        response = client.post("/settings/security/recovery/cancel/", {"next": "/settings/account/"})
    assert response.status_code == 302 and response["Location"] == "/settings/account/"
    page = client.get("/settings/account/").content.decode()
    assert "The recovery is cancelled" in page and "A recovery of your account is under way" not in page
    assert "was cancelled" in mail.outbox[-1].body
    clock.shift(WAIT.total_seconds() + 60)
    call_command("account_recoveries_run", stdout=None)
    assert TOTPDevice.objects.filter(user=owner).exists()
    assert not AuditEvent.objects.filter(subject=owner, action=Action.RECOVERY_COMPLETED).exists()


def test_after_the_wait_every_second_factor_session_and_token_goes_and_the_owner_is_told(owner, run_on_commit, clock):
    client = signed_in_with_code(owner, clock)
    token = make_token(owner)
    start(owner, run_on_commit)

    started = AccountRecovery.objects.get(user=owner).started_at
    clock.move_to(started + WAIT - datetime.timedelta(seconds=1))
    call_command("account_recoveries_run", stdout=None)
    assert TOTPDevice.objects.filter(user=owner).exists(), "not a second early"
    assert client.get("/settings/account/").status_code == 200
    clock.shift(1)
    with run_on_commit():
        call_command("account_recoveries_run", stdout=None)

    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert not BackupCodeDevice.objects.filter(user=owner).exists() and not BackupCode.objects.exists()
    assert client.get("/settings/account/").status_code == 302, "signed out"
    assert token_client(token).get("/api/v1/me/profile/").status_code == 401
    assert "its second factors were removed" in mail.outbox[-1].body
    assert AccountRecovery.objects.get(user=owner).status == AccountRecovery.Status.COMPLETED
    completed = AuditEvent.objects.get(subject=owner, action=Action.RECOVERY_COMPLETED)
    assert completed.changes == {"second_factors_removed": 2}


def test_signing_in_when_the_wait_is_over_completes_it_and_asks_to_set_up_2fa_again(owner, run_on_commit, clock):
    start(owner, run_on_commit)
    clock.shift(WAIT.total_seconds())  # the scheduled job has not run yet

    response = Client().post("/accounts/login/", {"username": "lin", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/settings/privacy/two-factor/setup/"
    assert "Set up two-factor authentication again now" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=owner, confirmed=True).exists()
    again = Client().post("/accounts/login/", {"username": "lin", "password": PASSWORD})
    assert again["Location"] != "/settings/privacy/two-factor/setup/", "asked once"


def test_someone_with_only_the_password_cannot_remove_the_second_factor_and_the_owner_hears_at_once(
    owner, run_on_commit, clock
):
    ask(owner, run_on_commit)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lin@example.org"], "the owner is told at once"
    recovery = AccountRecovery.objects.get(user=owner)
    for forged in ("1-abc", "zzzzzz-0123456789abcdef0123", "nonsense"):
        assert Client().post(f"/accounts/recovery/{recovery.pk}/start/{forged}/").status_code == 400
    for _ in range(3):
        clock.shift(40 * 3600)
        call_command("account_recoveries_run", stdout=None)
        assert password_step_client(owner) is not None, "the code is still asked for"
    assert TOTPDevice.objects.filter(user=owner).exists()

    waiting = start(owner, run_on_commit)  # even had they the link, the wait holds
    clock.shift(WAIT.total_seconds() - 60)
    assert account_recovery_complete(recovery_id=waiting.pk) is False
    assert TOTPDevice.objects.filter(user=owner).exists()


def test_staff_cannot_shorten_the_wait(owner, run_on_commit, clock, settings, officer, verified_login):
    assert AccountRecovery not in admin.site._registry, "no admin page edits a recovery"
    recovery = start(owner, run_on_commit)
    settings.ACCOUNTS_RECOVERY_WAIT_SECONDS = 60
    clock.shift(3600)
    call_command("account_recoveries_run", stdout=None)
    assert AccountRecovery.objects.get(pk=recovery.pk).status == AccountRecovery.Status.WAITING
    assert TOTPDevice.objects.filter(user=owner).exists()

    client = Client()
    verified_login(client, officer)
    page = client.get("/admin/compliance/auditevent/").content.decode()
    assert "Recovery without the second factor started" in page


def test_only_one_recovery_at_a_time_and_no_new_link_while_one_waits(owner, run_on_commit):
    start(owner, run_on_commit)
    sent = len(mail.outbox)
    page = ask(owner, run_on_commit).content.decode()
    assert "If your account can be recovered, a link is on its way" in page, "the same answer"
    assert len(mail.outbox) == sent
    assert AccountRecovery.objects.filter(user=owner).count() == 1


def test_requests_are_limited_per_account_and_per_network_with_the_same_answer(owner, run_on_commit):
    for _ in range(3):
        ask(owner, run_on_commit)
    assert len(mail.outbox) == 3
    page = ask(owner, run_on_commit).content.decode()
    assert "If your account can be recovered, a link is on its way" in page
    assert len(mail.outbox) == 3, "the fourth in a day sends nothing"

    others = [UserFactory(username=f"user{n}") for n in range(8)]
    for user in others:
        TOTPDeviceFactory(user=user)
        ask(user, run_on_commit)
    assert len(mail.outbox) == 3 + 6, "ten requests from one network a day, whatever the accounts"


def test_every_step_is_in_the_owners_account_activity(owner, run_on_commit, clock):
    start(owner, run_on_commit)
    client = signed_in_with_code(owner, clock)
    client.post("/settings/security/recovery/cancel/")
    page = client.get("/settings/security/activity/?kind=security").content.decode()
    for sentence in (
        "Someone who knew your password asked to recover your account without its second factors",
        "your second factors are removed on 3 Dec 2026, 09:00 GMT unless you cancel",
        "You cancelled the recovery of your account; nothing was removed.",
    ):
        assert sentence in page


def test_the_completed_recovery_is_in_the_owners_account_activity(owner, run_on_commit, clock):
    start(owner, run_on_commit)
    clock.shift(WAIT.total_seconds())
    call_command("account_recoveries_run", stdout=None)
    client = Client()
    client.force_login(owner)
    page = client.get("/settings/security/activity/?kind=security").content.decode()
    assert "2 second factors were removed, every session signed out and every API token revoked" in page


def test_the_emails_are_in_the_owners_language(owner, run_on_commit):
    owner.profile.language = "es"
    owner.profile.save()
    ask(owner, run_on_commit)
    assert "recuperar" in mail.outbox[-1].body.lower()
    with run_on_commit():
        Client().post(link_in(mail.outbox[-1], "start"))
    assert "cancélala" in mail.outbox[-1].body.lower()


def test_new_backup_codes_are_emailed_to_the_owner(owner, run_on_commit, clock):
    client = signed_in_with_code(owner, clock)
    clock.shift(30)
    with run_on_commit():
        client.post(
            "/settings/privacy/two-factor/backup-codes/",
            {"password": PASSWORD, "token": code_for(TOTPDevice.objects.get(user=owner))},
        )
    assert "New backup codes were made" in mail.outbox[-1].body


def test_every_word_of_the_recovery_pages_and_banner_is_marked_for_translation(owner, run_on_commit, pseudo_locale):
    client = password_step_client(owner)
    pages = [client.get("/accounts/login/code/recovery/")]
    with run_on_commit():
        pages.append(client.post("/accounts/login/code/recovery/"))
    link = link_in(mail.outbox[-1], "start")
    pages.append(Client().get(link))
    with run_on_commit():
        pages.append(Client().post(link))
    cancel = link_in(mail.outbox[-1], "cancel")
    pages.append(Client().get(cancel))
    signed_in = Client()
    signed_in.force_login(owner)
    pages.append(signed_in.get("/settings/security/"))
    pages.append(Client().post(cancel))
    pages.append(Client().post(cancel))  # used up: the refusal page

    for page in pages:
        assert unmarked_text(page.content.decode(), allowed=[owner.username, owner.email]) == []


def test_the_privacy_tab_and_the_notice_describe_the_recovery(owner, verified_login, client):
    verified_login(client, owner)
    tab = client.get("/settings/privacy/").content.decode()
    assert "use any of my methods" in tab and "72 hours after you follow it" in tab
    notice = Client().get("/privacy/notice/").content.decode()
    assert "Recoveries of your account without its second factors" in notice


def test_erasure_deletes_the_accounts_recoveries(owner, run_on_commit):
    start(owner, run_on_commit)
    erasure_execute(subject=owner)
    assert not AccountRecovery.objects.filter(user=owner).exists()


def test_a_waiting_period_shorter_than_a_day_is_refused_by_the_system_check(settings):
    settings.ACCOUNTS_RECOVERY_WAIT_SECONDS = 3600
    assert [error.id for error in check_recovery_wait()] == ["accounts.E001"]
    settings.ACCOUNTS_RECOVERY_WAIT_SECONDS = 24 * 3600
    assert check_recovery_wait() == []


def test_a_recovered_staff_member_is_told_to_ask_for_an_enrolment_link(run_on_commit, clock):
    staff = staff_member("sam.support", StaffGroup.SUPPORT_AGENT, email="sam@example.org")
    TOTPDeviceFactory(user=staff)
    client = password_step_client(staff)
    with run_on_commit():
        client.post("/accounts/login/code/recovery/")
    with run_on_commit():
        Client().post(link_in(mail.outbox[-1], "start"))
    clock.shift(WAIT.total_seconds())

    page = Client().post("/accounts/login/", {"username": "sam.support", "password": PASSWORD}, follow=True)

    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert "Staff turn on two-factor authentication with an enrolment link" in page.content.decode()
