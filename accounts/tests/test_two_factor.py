"""Two-factor authentication: set-up, sign-in code step, replay, backup codes, throttling, turning off, staff."""

import base64
import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django_otp.oath import TOTP

from accounts.models import BackupCode, TOTPDevice
from accounts.two_factor import staff_enrolment_link
from compliance.models import AuditEvent, StaffGroup
from learnerportal.tests.factories import PASSWORD, UserFactory, staff_member
from learnerportal.tests.support import code_for

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock():
    """Stand still at START; ``clock.shift(seconds)`` moves on, as an app's codes do every 30 s."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def learner():
    return UserFactory(username="lin", email="lin@example.org")


def turn_on(client, user):
    """Turn 2FA on through the pages (staff through their enrolment link); return (device, backup codes shown)."""
    client.force_login(user)
    if user.is_staff:
        client.get(enrolment_path(user))
    client.get("/settings/privacy/two-factor/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page = client.post("/settings/privacy/two-factor/setup/", {"token": code_for(device)}).content.decode()
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", page)
    client.logout()
    device.refresh_from_db()
    return device, codes


def enrolment_path(user):
    return urlsplit(staff_enrolment_link(user=user)).path


def next_step(clock):
    """Move on to the next 30-second step, where the app shows a new code."""
    clock.shift(30)


def autofocused(page):
    """Return the names of the inputs on ``page`` that take the cursor when it loads."""
    inputs = re.findall(r"<input[^>]*>", page)
    return [re.search(r'name="([^"]+)"', tag).group(1) for tag in inputs if re.search(r"\bautofocus\b", tag)]


def password_step(client, username="lin", next_url="/settings/account/"):
    return client.post(f"/accounts/login/?next={next_url}", {"username": username, "password": PASSWORD})


def test_set_up_shows_a_qr_code_and_key_and_turns_on_only_with_a_right_code(client, learner, clock):
    client.force_login(learner)
    page = client.get("/settings/privacy/two-factor/setup/").content.decode()
    assert "<svg" in page and "Key:" in page
    device = TOTPDevice.objects.get(user=learner)
    assert not device.confirmed

    wrong = client.post("/settings/privacy/two-factor/setup/", {"token": "000000"}).content.decode()
    assert "That code is not right" in wrong
    assert "a key shown on an earlier visit no longer works" in wrong, "the likeliest cause, said truthfully"
    for slip in ["abcdef", "12ab56", "123"]:
        typed = client.post("/settings/privacy/two-factor/setup/", {"token": slip}).content.decode()
        assert "Enter the 6 digits from your app." in typed
        assert "clock" not in typed, "a typing slip is not blamed on the app's clock"
    assert not TOTPDevice.objects.filter(user=learner, confirmed=True).exists()
    assert TOTPDevice.objects.get(user=learner).throttling_failure_count == 1, "the wrong code counts"
    too_soon = client.post("/settings/privacy/two-factor/setup/", {"token": code_for(device)}).content.decode()
    assert "this code was not checked. Try again in 1 second." in too_soon, "no backup codes exist yet"
    assert "not right" not in too_soon, "a right code sent during the pause is not called wrong"

    clock.shift(2)  # past the pause the wrong code earned
    done = client.post("/settings/privacy/two-factor/setup/", {"token": code_for(device)}).content.decode()
    assert "Save your backup codes" in done
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = " ".join(BackupCode.objects.values_list("digest", flat=True))
    assert not any(code.replace("-", "") in stored for code in codes), "backup codes are stored only as digests"
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.TWO_FACTOR_ENABLED).exists()
    privacy_tab = client.get("/settings/privacy/").content.decode()
    assert "10</strong> unused backup codes left" in privacy_tab


def test_an_abandoned_set_up_leaves_sign_in_with_the_password_alone(client, learner):
    client.force_login(learner)
    client.get("/settings/privacy/two-factor/setup/")
    client.logout()
    response = password_step(client)
    assert response["Location"] == "/settings/account/"


def test_sign_in_asks_for_a_code_and_nothing_is_reachable_before_it(client, learner, clock):
    device, _ = turn_on(client, learner)
    next_step(clock)

    response = password_step(client)
    assert response["Location"].startswith("/accounts/login/code/")
    for path in ["/settings/account/", "/settings/privacy/", "/settings/privacy/two-factor/setup/", "/settings/data/"]:
        assert client.get(path)["Location"].startswith("/accounts/login/"), path

    response = client.post(response["Location"], {"token": code_for(device), "next": "/settings/account/"})
    assert response["Location"] == "/settings/account/"
    assert client.get("/settings/account/").status_code == 200


def test_a_used_code_and_an_earlier_code_are_refused(client, learner, clock):
    device, _ = turn_on(client, learner)
    clock.shift(300)
    password_step(client)
    client.post("/accounts/login/code/", {"token": code_for(device)})
    assert client.get("/settings/account/").status_code == 200
    client.logout()

    password_step(client)
    replay = client.post("/accounts/login/code/", {"token": code_for(device)})
    assert "That code is not right, or was already used." in replay.content.decode()
    clock.shift(2)  # past the pause the wrong code earned, so the next one is really checked
    earlier = code_for(device, at=START + datetime.timedelta(minutes=4, seconds=30))
    assert "already used" in client.post("/accounts/login/code/", {"token": earlier}).content.decode()
    assert client.get("/settings/account/").status_code == 302


def test_a_right_code_sent_during_the_pause_after_a_wrong_one_is_not_called_wrong_and_still_works(
    client, learner, clock
):
    """django-otp pauses checking after a wrong code (1 s, then 2, 4 …); the page says so instead of 'wrong code'."""
    _, codes = turn_on(client, learner)
    password_step(client)
    assert "That code is not right" in client.post("/accounts/login/code/", {"token": "aaaaa-bbbbb"}).content.decode()

    paused = client.post("/accounts/login/code/", {"token": codes[0]}).content.decode()
    assert "this code was not checked, and a backup code is not used up. Try again in 1 second." in paused
    assert "not right" not in paused

    clock.shift(2)
    client.post("/accounts/login/code/", {"token": codes[0]})
    assert client.get("/settings/account/").status_code == 200, "the same backup code still signs in"


def test_a_backup_code_signs_in_once(client, learner):
    _, codes = turn_on(client, learner)
    password_step(client)
    client.post("/accounts/login/code/", {"token": codes[0].upper()})
    assert client.get("/settings/account/").status_code == 200
    client.logout()

    password_step(client)
    page = client.post("/accounts/login/code/", {"token": codes[0]}).content.decode()
    assert "That code is not right" in page
    assert BackupCode.objects.filter(used_at__isnull=True).count() == 9


def test_ten_app_sign_ins_do_not_use_up_or_lock_the_backup_codes(client, learner, clock):
    device, codes = turn_on(client, learner)
    for _ in range(10):
        next_step(clock)
        password_step(client)
        client.post("/accounts/login/code/", {"token": code_for(device)})
        assert client.get("/settings/account/").status_code == 200
        client.logout()
    password_step(client)
    client.post("/accounts/login/code/", {"token": codes[3]})
    assert client.get("/settings/account/").status_code == 200


def test_wrong_codes_are_throttled(client, learner, clock):
    device, _ = turn_on(client, learner)
    next_step(clock)
    password_step(client)
    for _ in range(3):
        client.post("/accounts/login/code/", {"token": "123456"})
    client.post("/accounts/login/code/", {"token": code_for(device)})
    assert client.get("/settings/account/").status_code == 302, "right code refused while throttled"
    clock.shift(30)  # django-otp waits 2^(failures-1) seconds
    password_step(client)
    client.post("/accounts/login/code/", {"token": code_for(device)})
    assert client.get("/settings/account/").status_code == 200


def test_the_code_step_expires(client, learner, clock):
    turn_on(client, learner)
    password_step(client)
    clock.shift(6 * 60)
    response = client.post("/accounts/login/code/", {"token": "123456"}, follow=True)
    assert "Please sign in with your password first." in response.content.decode()


def test_turning_off_needs_password_and_code_and_removes_every_device(client, learner, clock):
    _, codes = turn_on(client, learner)
    password_step(client)
    client.post("/accounts/login/code/", {"token": codes[0]})

    wrong_password = client.post("/settings/privacy/two-factor/disable/", {"password": "nope", "token": codes[1]})
    assert "That password is not right." in wrong_password.content.decode()
    assert autofocused(wrong_password.content.decode()) == ["password"], "the cursor goes to the field with the error"
    wrong_code = client.post("/settings/privacy/two-factor/disable/", {"password": PASSWORD, "token": "abcde-fghjk"})
    assert "That code is not right." in wrong_code.content.decode()
    assert TOTPDevice.objects.filter(user=learner).exists()
    # The wrong code counted (it was not rolled back with the refused change): a right one at once waits.
    paused = client.post("/settings/privacy/two-factor/disable/", {"password": PASSWORD, "token": codes[1]})
    assert "this code was not checked, and a backup code is not used up" in paused.content.decode()
    assert TOTPDevice.objects.filter(user=learner).exists()

    clock.shift(2)
    client.post("/settings/privacy/two-factor/disable/", {"password": PASSWORD, "token": codes[1]})
    assert not TOTPDevice.objects.filter(user=learner).exists()
    assert not BackupCode.objects.exists()
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.TWO_FACTOR_DISABLED).exists()
    client.logout()
    assert password_step(client)["Location"] == "/settings/account/"


def test_guessing_app_codes_on_the_settings_pages_is_slowed_like_at_sign_in(client, learner, clock):
    """A session that knows the password cannot guess codes freely to turn 2FA off or take the backup codes."""
    device, codes = turn_on(client, learner)
    password_step(client)
    client.post("/accounts/login/code/", {"token": codes[0]})
    clock.shift(60)

    for path in ["/settings/privacy/two-factor/backup-codes/", "/settings/privacy/two-factor/disable/"]:
        client.post(path, {"password": PASSWORD, "token": "000000"})
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1, "each wrong code counts"
    right_at_once = client.post(
        "/settings/privacy/two-factor/disable/", {"password": PASSWORD, "token": code_for(device)}
    )
    assert "this code was not checked" in right_at_once.content.decode()
    assert TOTPDevice.objects.filter(user=learner, confirmed=True).exists()
    # A wrong password there counts toward the sign-in lockout, as the confirm-password page's does.
    client.post("/settings/privacy/two-factor/disable/", {"password": "guess", "token": code_for(device)})
    assert AccessAttempt.objects.get(username="lin").failures_since_start == 1


def test_old_backup_codes_stop_working_after_regenerating_or_turning_off_and_on(client, learner, clock):
    _, first_codes = turn_on(client, learner)
    password_step(client)
    client.post("/accounts/login/code/", {"token": first_codes[0]})
    page = client.post(
        "/settings/privacy/two-factor/backup-codes/", {"password": PASSWORD, "token": first_codes[2]}
    ).content.decode()
    new_codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", page)
    assert len(new_codes) == 10
    client.post("/settings/privacy/two-factor/disable/", {"password": PASSWORD, "token": new_codes[0]})
    next_step(clock)
    _, third_codes = turn_on(client, learner)

    password_step(client)
    for old in (first_codes[1], new_codes[1]):
        assert "That code is not right" in client.post("/accounts/login/code/", {"token": old}).content.decode()
        clock.shift(10)  # past the pause the wrong code earned
    client.post("/accounts/login/code/", {"token": third_codes[0]})
    assert client.get("/settings/account/").status_code == 200


def test_regenerating_backup_codes_needs_the_password_and_a_code(client, learner):
    _, codes = turn_on(client, learner)
    password_step(client)
    client.post("/accounts/login/code/", {"token": codes[0]})
    wrong_password = client.post("/settings/privacy/two-factor/backup-codes/", {"password": "x", "token": codes[1]})
    assert "That password is not right." in wrong_password.content.decode()
    no_code = client.post("/settings/privacy/two-factor/backup-codes/", {"password": PASSWORD, "token": "nope"})
    assert "That code is not right." in no_code.content.decode()
    assert BackupCode.objects.filter(used_at__isnull=True).count() == 9


def test_a_backup_code_sent_with_a_wrong_password_is_not_kept_with_the_failed_attempt(client, learner):
    _, codes = turn_on(client, learner)
    password_step(client)
    client.post("/accounts/login/code/", {"token": codes[0]})
    client.post("/settings/privacy/two-factor/backup-codes/", {"password": "mistyped-1", "token": codes[1]})
    client.post("/settings/privacy/two-factor/disable/", {"password": "mistyped-2", "token": codes[2]})

    attempt = AccessAttempt.objects.get(username="lin")
    assert attempt.failures_since_start == 2
    stored = " ".join(str(value) for value in AccessAttempt.objects.values_list().get())
    for secret in (codes[1], codes[2], codes[1].replace("-", ""), "mistyped"):
        assert secret not in stored


def test_turning_on_two_factor_signs_out_every_other_session(client, learner, clock):
    from django.test import Client

    earlier = Client()
    earlier.force_login(learner)
    _, codes = turn_on(client, learner)

    assert earlier.get("/settings/account/").status_code == 302, "a password-only session must not live on"
    assert (
        earlier.post(
            "/settings/privacy/two-factor/backup-codes/", {"password": PASSWORD, "token": codes[0]}
        ).status_code
        == 302
    )
    assert BackupCode.objects.filter(used_at__isnull=True).count() == 10


def test_a_password_only_session_cannot_manage_two_factor(client, learner, clock):
    _, codes = turn_on(client, learner)
    client.force_login(learner)  # e.g. signed in before 2FA was on, in a session that survived

    for path in ["/settings/privacy/two-factor/backup-codes/", "/settings/privacy/two-factor/disable/"]:
        response = client.post(path, {"password": PASSWORD, "token": codes[0]})
        assert response["Location"].startswith("/accounts/login/"), path
    assert BackupCode.objects.filter(used_at__isnull=True).count() == 10
    assert TOTPDevice.objects.filter(user=learner, confirmed=True).exists()


def shown_key(page):
    """Return the key a set-up page shows, without its spaces."""
    return re.search(r'<code class="secret"[^>]*>([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


def test_reloading_the_set_up_page_keeps_the_key_the_app_scanned(client, learner):
    client.force_login(learner)
    scanned = shown_key(client.get("/settings/privacy/two-factor/setup/").content.decode())
    device = TOTPDevice.objects.get(user=learner)

    reloaded = client.get("/settings/privacy/two-factor/setup/").content.decode()
    assert shown_key(reloaded) == scanned, "the QR code and key do not change on reload"
    assert "stays the same if you reload the page, for 30 minutes" in reloaded

    done = client.post("/settings/privacy/two-factor/setup/", {"token": code_for(device)}).content.decode()
    assert "Save your backup codes" in done


def test_a_set_up_replaced_elsewhere_or_too_old_gets_a_new_key_and_the_old_one_never_counts(client, learner, clock):
    client.force_login(learner)
    client.get("/settings/privacy/two-factor/setup/")
    first = TOTPDevice.objects.get(user=learner)
    other_session = Client()
    other_session.force_login(learner)
    other_session.get("/settings/privacy/two-factor/setup/")  # e.g. a second browser tab of a new session

    stale = client.post("/settings/privacy/two-factor/setup/", {"token": code_for(first)}).content.decode()
    assert "This set-up was cancelled, replaced or is over 30 minutes old: here is a new key." in stale
    assert shown_key(stale) not in {first.key, ""} and not TOTPDevice.objects.filter(confirmed=True).exists()

    kept = shown_key(client.get("/settings/privacy/two-factor/setup/").content.decode())
    clock.shift(31 * 60)
    assert shown_key(client.get("/settings/privacy/two-factor/setup/").content.decode()) != kept


def test_the_security_tab_shows_two_factor_s_state_and_where_to_manage_it(client, learner):
    client.force_login(learner)
    off = client.get("/settings/security/").content.decode()
    assert "<strong>Off.</strong> Anyone with your password can sign in as you." in off
    assert 'href="/settings/privacy/#two-factor">Manage two-factor authentication on the Privacy tab' in off

    turn_on(client, learner)
    client.force_login(learner)
    assert "<strong>On.</strong> Signing in needs your password" in client.get("/settings/security/").content.decode()


def test_cancelling_a_set_up_discards_its_key(client, learner):
    client.force_login(learner)
    client.get("/settings/privacy/two-factor/setup/")
    abandoned = TOTPDevice.objects.get(user=learner)

    response = client.post("/settings/privacy/two-factor/setup/", {"cancel": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == "/settings/privacy/"
    assert "Two-factor set-up cancelled. Nothing changed: it is still off." in response.content.decode()
    assert not TOTPDevice.objects.filter(pk=abandoned.pk).exists(), "its key can never be confirmed"
    client.get("/settings/privacy/two-factor/setup/")
    assert TOTPDevice.objects.get(user=learner).key != abandoned.key


def test_no_column_of_the_database_holds_the_authenticator_key_in_clear(client, learner):
    """Every backup is a copy of the database: the secret the app shares must be in none of it (GDPR Art. 32(1)(a))."""
    client.force_login(learner)
    page = client.get("/settings/privacy/two-factor/setup/").content.decode()
    secret = re.search(r'<code class="secret"[^>]*>([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    done = client.post("/settings/privacy/two-factor/setup/", {"token": f"{TOTP(key).token():06d}"})
    assert "Save your backup codes" in done.content.decode(), "the key shown works"

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea')"
        )
        found = []
        for table, column in cursor.fetchall():
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s OR "{column}"::text ILIKE %s',  # noqa: S608
                [f"%{key.hex()}%", f"%{secret}%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    assert found == []


def test_an_app_clock_a_step_behind_signs_in_and_its_drift_is_remembered(client, learner, clock):
    """RFC 6238 §5.2: one step of tolerance either side of the app's clock, whose drift is followed."""
    device, _ = turn_on(client, learner)
    clock.shift(300)  # time step 10
    password_step(client)
    client.post("/accounts/login/code/", {"token": code_for(device, at=START + datetime.timedelta(seconds=270))})
    assert client.get("/settings/account/").status_code == 200, "a code one step behind is accepted"
    client.logout()

    clock.shift(120)  # time step 14; the app, one step behind, shows step 13's code
    password_step(client)
    three_behind = code_for(device, at=START + datetime.timedelta(seconds=330))
    assert "not right" in client.post("/accounts/login/code/", {"token": three_behind}).content.decode()
    clock.shift(2)  # past the pause the wrong code earned
    two_behind = code_for(device, at=START + datetime.timedelta(seconds=360))
    client.post("/accounts/login/code/", {"token": two_behind})
    assert client.get("/settings/account/").status_code == 200, "two steps behind is one behind the app's clock"


def test_wrong_passwords_when_confirming_count_toward_the_lockout(client, learner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client.force_login(learner)
    for _ in range(3):
        client.post("/accounts/confirm-password/", {"password": "guess", "next": "/"})
    response = client.post("/accounts/confirm-password/", {"password": PASSWORD, "next": "/"})
    assert response.status_code == 429


def test_password_reset_does_not_sign_in_past_the_second_factor(client, learner):
    import re as regex

    from django.core import mail

    turn_on(client, learner)
    client.post("/accounts/password/reset/", {"email": "lin@example.org"})
    link = regex.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": "brand-new-phrase-77", "new_password2": "brand-new-phrase-77"})
    assert client.get("/settings/account/").status_code == 302
    response = client.post("/accounts/login/", {"username": "lin", "password": "brand-new-phrase-77"})
    assert response["Location"].startswith("/accounts/login/code/")


def test_staff_without_two_factor_are_sent_to_set_it_up_with_an_enrolment_link(client):
    client.force_login(staff_member("sam.agent", StaffGroup.SUPPORT_AGENT))
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/settings/privacy/two-factor/setup/"
    assert "Staff must turn on two-factor authentication" in response.content.decode()
    assert "Ask a superuser to send you an enrolment link" in response.content.decode()


def test_staff_with_two_factor_reach_admin_only_after_the_code_step(client, clock):
    agent = staff_member("sam.agent", StaffGroup.SUPPORT_AGENT)
    device, _ = turn_on(client, agent)
    next_step(clock)
    client.force_login(agent)  # a password-only session
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/"), "no redirect loop: sign in again"
    assert "Sign in again with your code" in response.content.decode()

    response = client.post("/accounts/login/?next=/admin/", {"username": "sam.agent", "password": PASSWORD})
    client.post(response["Location"], {"token": code_for(device), "next": "/admin/"})
    assert client.get("/admin/").status_code == 200


def test_setting_up_two_factor_verifies_the_current_session_for_staff(client):
    agent = staff_member("sam.agent", StaffGroup.SUPPORT_AGENT)
    client.force_login(agent)
    client.get(enrolment_path(agent))
    client.get("/settings/privacy/two-factor/setup/")
    device = TOTPDevice.objects.get(user=agent)
    client.post("/settings/privacy/two-factor/setup/", {"token": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_filing_an_erasure_asks_for_the_password_again_after_fifteen_minutes(client, learner, clock):
    client.force_login(learner)
    assert client.get("/settings/data/new/erasure/").status_code == 200
    clock.shift(16 * 60)

    response = client.get("/settings/data/new/erasure/")
    assert response["Location"] == "/accounts/confirm-password/?next=%2Fsettings%2Fdata%2Fnew%2Ferasure%2F"
    wrong = client.post("/accounts/confirm-password/", {"password": "nope", "next": "/settings/data/new/erasure/"})
    assert "That password is not right." in wrong.content.decode()
    right = client.post("/accounts/confirm-password/", {"password": PASSWORD, "next": "/settings/data/new/erasure/"})
    assert right["Location"] == "/settings/data/new/erasure/"
    assert client.get("/settings/data/new/erasure/").status_code == 200
    assert client.get("/settings/data/new/access/").status_code == 200


def test_confirm_password_never_redirects_off_site(client, learner):
    client.force_login(learner)
    response = client.post("/accounts/confirm-password/", {"password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/settings/privacy/"


def test_the_owner_is_emailed_when_two_factor_is_turned_on_or_off(client, learner, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        _, codes = turn_on(client, learner)
    assert "Two-factor authentication is now on" in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["lin@example.org"]
    password_step(client)
    client.post("/accounts/login/code/", {"token": codes[0]})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/privacy/two-factor/disable/", {"password": PASSWORD, "token": codes[1]})
    assert "Two-factor authentication is now off" in mail.outbox[-1].body


def test_an_empty_or_overlong_code_is_explained_next_to_the_field(client, learner, clock):
    device, _ = turn_on(client, learner)
    next_step(clock)
    code_step = password_step(client)["Location"]

    empty = client.post(code_step, {"token": ""}).text
    overlong = client.post(code_step, {"token": "1" * 25}).text

    assert "Enter the code from your authenticator app, or a backup code." in empty
    assert "That is longer than any code" in overlong and "Ensure this value" not in overlong
    assert client.post(code_step, {"token": code_for(device)}).status_code == 302, "the step is still open"


def test_halfway_through_signing_in_the_home_page_goes_to_the_code_step_and_cancelling_ends_it(client, learner, clock):
    turn_on(client, learner)
    next_step(clock)
    code_step = password_step(client)["Location"]

    assert client.get("/")["Location"].startswith("/accounts/login/code/")
    assert "Cancel signing in" in client.get(code_step).text

    cancelled = client.post("/accounts/logout/", follow=True)

    assert "Signing in was cancelled." in cancelled.text
    assert client.get("/").status_code == 200, "the visitor's landing page"
    assert client.get("/accounts/login/code/")["Location"] == "/accounts/login/", "the password is asked again"
