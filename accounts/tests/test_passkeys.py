"""Passkeys as a second factor: adding, naming, removing, signing in with one, staff in admin, audit and emails."""

import base64
import datetime
import json
import re
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core import mail
from django.test import Client
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential, WebAuthnUserHandle

from accounts.models import AccountRecovery, TOTPDevice
from compliance.erasure import erasure_execute
from compliance.models import AuditEvent, StaffGroup
from learnerportal.tests.factories import PASSWORD, PasskeyFactory, UserFactory, staff_member
from learnerportal.tests.support import (
    SoftPasskey,
    code_for,
    passkey_add_through_pages,
    passkey_sign_in,
    password_step_client,
    unmarked_text,
)
from rights_requests.portability import portable_export_file
from rights_requests.reports import access_report_file

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
Action = AuditEvent.Action


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lin():
    return UserFactory(username="lin", email="lin@example.org")


@pytest.fixture
def lin_verified(client, lin, verified_login):
    """Return the test client signed in as lin with two-factor authentication on and the code step passed."""
    verified_login(client, lin)
    return client


def totp_of(user):
    return TOTPDevice.objects.get(user=user, confirmed=True)


def actions_of(user):
    """Return the actions of ``user``'s audit rows, oldest first, but sign-ins."""
    events = AuditEvent.objects.filter(subject=user).exclude(action=Action.SIGNED_IN).order_by("created_at", "pk")
    return list(events.values_list("action", flat=True))


def test_a_learner_adds_two_passkeys_names_them_and_sees_when_each_was_added_and_used(
    lin, lin_verified, clock, django_capture_on_commit_callbacks
):
    laptop, key = SoftPasskey(), SoftPasskey()
    with django_capture_on_commit_callbacks(execute=True):
        added = passkey_add_through_pages(lin_verified, laptop)
    assert added.status_code == 200
    first = WebAuthnCredential.objects.get(user=lin)
    assert added.json() == {"id": first.pk, "redirect_url": f"/settings/privacy/two-factor/passkeys/{first.pk}/name/"}
    assert mail.outbox[-1].to == ["lin@example.org"]
    assert "A passkey was added to your Learner Portal account." in mail.outbox[-1].body

    naming = lin_verified.get(added.json()["redirect_url"])
    assert "Name your passkey" in naming.content.decode()
    saved = lin_verified.post(added.json()["redirect_url"], {"name": "  Work   laptop "}, follow=True)
    assert "Passkey saved as “Work laptop”." in saved.content.decode()
    clock.shift(24 * 3600)
    lin_verified.post("/accounts/confirm-password/", {"password": PASSWORD})  # a day later, asked again
    assert passkey_add_through_pages(lin_verified, key).status_code == 200
    second = WebAuthnCredential.objects.exclude(pk=first.pk).get(user=lin)
    lin_verified.post(f"/settings/privacy/two-factor/passkeys/{second.pk}/name/", {"name": "Blue security key"})

    tab = lin_verified.get("/settings/privacy/").content.decode()
    section = tab.split('id="two-factor"')[1].split("</section>")[0]
    assert re.findall(r"<strong>([^<]+)</strong>", section.split("Your passkeys")[1]) == [
        "Work laptop",
        "Blue security key",
    ]
    assert "Added <time" in section and "30 Nov 2026" in section and "1 Dec 2026" in section
    assert section.count("Never used") == 2
    assert actions_of(lin) == [
        Action.PASSKEY_ADDED,
        Action.PASSKEY_RENAMED,
        Action.PASSKEY_ADDED,
        Action.PASSKEY_RENAMED,
    ]
    activity = lin_verified.get("/settings/security/activity/").content.decode()
    assert "Passkey added" in activity and "Passkey renamed" in activity


def test_a_name_must_be_given_and_fit(lin, lin_verified):
    passkey = PasskeyFactory(user=lin, name="Old name")
    url = f"/settings/privacy/two-factor/passkeys/{passkey.pk}/name/"

    empty = lin_verified.post(url, {"name": "   "})
    too_long = lin_verified.post(url, {"name": "x" * 65})

    assert "Give the passkey a name." in empty.content.decode()
    assert "Keep the name to 64 characters or fewer." in too_long.content.decode()
    passkey.refresh_from_db()
    assert passkey.name == "Old name"
    assert Action.PASSKEY_RENAMED not in actions_of(lin)


def test_nobody_names_or_removes_another_learner_s_passkey(lin_verified):
    others = PasskeyFactory(name="Kofi's phone")

    assert (
        lin_verified.post(f"/settings/privacy/two-factor/passkeys/{others.pk}/name/", {"name": "Mine"}).status_code
        == 404
    )
    assert lin_verified.get(f"/settings/privacy/two-factor/passkeys/{others.pk}/remove/").status_code == 404
    others.refresh_from_db()
    assert others.name == "Kofi's phone"


def test_adding_a_passkey_needs_two_factor_on_the_code_step_passed_and_a_recent_password(client, lin, clock):
    client.force_login(lin)
    assert client.post("/accounts/passkeys/add/begin/").json()["code"] == "two_factor_off"
    assert client.get("/settings/privacy/two-factor/passkeys/add/")["Location"] == "/settings/privacy/"

    TOTPDevice.objects.create(user=lin, name="Phone", confirmed=True)
    client.force_login(lin)  # the password only: the code step was not passed
    refused = client.post("/accounts/passkeys/add/begin/")
    assert refused.status_code == 403 and refused.json()["code"] == "reauthenticate"
    assert client.get("/settings/privacy/two-factor/passkeys/add/")["Location"].startswith("/accounts/login/")

    signed_in = password_step_client(lin)
    signed_in.post("/accounts/login/code/", {"token": code_for(totp_of(lin))})
    assert signed_in.get("/settings/privacy/two-factor/passkeys/add/").status_code == 200
    clock.shift(16 * 60)
    page = signed_in.get("/settings/privacy/two-factor/passkeys/add/")
    assert page["Location"].startswith("/accounts/confirm-password/"), "a session signed in long ago"
    assert signed_in.post("/accounts/passkeys/add/begin/").json()["code"] == "reauthenticate"
    assert not WebAuthnCredential.objects.exists()
    anonymous = Client().post("/accounts/passkeys/add/begin/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"


def test_the_add_page_loads_the_library_s_script_from_our_own_static_files_under_the_csp(lin_verified):
    page = lin_verified.get("/settings/privacy/two-factor/passkeys/add/")
    html = page.content.decode()

    assert '<script type="module" src="/static/django_otp_webauthn/otp_webauthn_register.js"></script>' in html
    assert 'id="otp_webauthn_config" type="application/json"' in html
    assert '"beginRegistrationUrl": "/accounts/passkeys/add/begin/"' in html
    assert "https://" not in "".join(re.findall(r"<script[^>]*>", html)), "nothing from a CDN"
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    assert finders.find("django_otp_webauthn/otp_webauthn_register.js"), "served by WhiteNoise like ours"


def _script_catalog(language):
    """Return the messages the passkey scripts are given, ``{the library's message: what the reader sees}``."""
    script = Client().get("/accounts/passkeys/messages.js", headers={"accept-language": language}).content.decode()
    return json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S)[1])


def test_every_message_of_the_passkey_scripts_is_ours_in_the_readers_language():
    """Whatever the library's scripts say (their gettext() calls), a Spanish reader sees our Spanish, with our words."""
    shipped = "".join(
        Path(finders.find(f"django_otp_webauthn/otp_webauthn_{name}.js")).read_text(encoding="utf-8")
        for name in ("register", "auth")
    )
    library = set(re.findall(r'gettext\("((?:[^"\\]|\\.)*)"\)', shipped))
    spanish, english = _script_catalog("es"), _script_catalog("en-GB")

    assert len(library) >= 20 and library <= spanish.keys() and library <= english.keys()
    assert spanish["Registration aborted or not allowed."] == (
        "No se ha añadido ninguna llave de acceso: la solicitud de tu dispositivo se canceló o se agotó el tiempo. "
        "Vuelve a intentarlo cuando quieras."
    )
    assert english["Register a Passkey"] == "Add a passkey"
    for message in library:
        assert spanish[message] != english[message], f"not translated: {message}"
        assert "clave" not in spanish[message] and not re.search(r"\b(tenga|le|usted)\b", spanish[message])


def test_an_answer_for_another_site_a_replayed_one_or_garbage_adds_nothing(lin_verified):
    passkey = SoftPasskey()

    other_site = passkey_add_through_pages(lin_verified, passkey, origin="https://evil.example")
    assert other_site.status_code == 422 and other_site.json()["code"] == "passkey_refused"
    options = lin_verified.post("/accounts/passkeys/add/begin/").json()
    answer = passkey.create(options)
    first = lin_verified.post("/accounts/passkeys/add/complete/", answer, content_type="application/json")
    replayed = lin_verified.post("/accounts/passkeys/add/complete/", answer, content_type="application/json")
    lin_verified.post("/accounts/passkeys/add/begin/")
    not_json = lin_verified.post("/accounts/passkeys/add/complete/", "{", content_type="application/json")
    a_list = lin_verified.post("/accounts/passkeys/add/complete/", [1], content_type="application/json")
    lin_verified.post("/accounts/passkeys/add/begin/")
    nonsense = lin_verified.post("/accounts/passkeys/add/complete/", {"id": 3}, content_type="application/json")

    assert first.status_code == 200
    assert replayed.status_code == 422 and replayed.json()["code"] == "passkey_expired"
    assert not_json.status_code == 400 and a_list.status_code == 400
    assert nonsense.status_code == 422 and nonsense.json()["code"] == "passkey_refused"
    assert WebAuthnCredential.objects.count() == 1


def test_sign_in_offers_the_passkey_first_and_signs_in_with_it(lin, lin_verified, clock):
    passkey = SoftPasskey()
    passkey_add_through_pages(lin_verified, passkey)
    clock.shift(3600)

    client = password_step_client(lin)
    code_step = client.get("/accounts/login/code/").content.decode()
    assert code_step.index("Sign in with a passkey") < code_step.index('name="token"'), "the passkey comes first"
    assert "otp_webauthn_auth.js" in code_step
    assert "Enter one of your backup codes instead" in code_step, "the app and backup codes are still offered"
    options = client.post("/accounts/passkeys/sign-in/begin/").json()
    assert [entry["id"] for entry in options["allowCredentials"]] == [
        base64.urlsafe_b64encode(passkey.credential_id).decode().rstrip("=")
    ]
    answer = passkey.get(options)
    done = client.post(
        "/accounts/passkeys/sign-in/complete/?next=/settings/account/", answer, content_type="application/json"
    )

    assert done.status_code == 200 and done.json()["redirect_url"] == "/settings/account/"
    assert client.get("/settings/privacy/").status_code == 200
    assert client.get("/accounts/login/code/")["Location"] == "/accounts/login/", "nothing waits at the code step"
    stored = WebAuthnCredential.objects.get(user=lin)
    assert stored.last_used_at == START + datetime.timedelta(hours=1)
    assert "Last used <time" in client.get("/settings/privacy/").content.decode()


def test_the_code_step_offers_no_passkey_to_a_learner_without_one(lin, verified_login):
    verified_login(Client(), lin)
    client = password_step_client(lin)

    page = client.get("/accounts/login/code/").content.decode()

    assert "passkey" not in page.lower()
    assert client.post("/accounts/passkeys/sign-in/begin/").json()["code"] == "no_passkey"


def test_another_learner_s_passkey_another_site_s_signature_or_a_cloned_counter_does_not_sign_in(
    lin, lin_verified, verified_login
):
    passkey = SoftPasskey()
    passkey_add_through_pages(lin_verified, passkey)
    kofi_client, kofis = Client(), SoftPasskey()
    verified_login(kofi_client, UserFactory(username="kofi"))
    assert passkey_add_through_pages(kofi_client, kofis).status_code == 200

    client = password_step_client(lin)
    with_kofis = passkey_sign_in(client, kofis)
    other_site = passkey_sign_in(client, passkey, origin="https://evil.example")
    garbage = client.post("/accounts/passkeys/sign-in/complete/", "nope", content_type="application/json")
    without_begin = client.post("/accounts/passkeys/sign-in/complete/", {}, content_type="application/json")

    for refused in (with_kofis, other_site):
        assert refused.status_code == 403 and refused.json()["code"] == "passkey_refused"
    assert garbage.status_code == 400
    assert without_begin.status_code == 403 and without_begin.json()["code"] == "two_factor_expired"
    assert client.get("/settings/privacy/")["Location"].startswith("/accounts/login/"), "still not signed in"
    assert actions_of(lin).count(Action.LOGIN_FAILED) == 2

    assert passkey_sign_in(password_step_client(lin), passkey).status_code == 200
    passkey.sign_count -= 1  # a copy of the passkey, whose counter lags behind the one that signed
    cloned = passkey_sign_in(password_step_client(lin), passkey)
    assert cloned.status_code == 403 and cloned.json()["code"] == "passkey_refused"


def test_removing_a_passkey_needs_the_password_and_a_code_and_tells_the_owner(
    lin, lin_verified, clock, django_capture_on_commit_callbacks
):
    passkey_add_through_pages(lin_verified, SoftPasskey())
    kept = PasskeyFactory(user=lin, name="Security key")
    passkey = WebAuthnCredential.objects.exclude(pk=kept.pk).get(user=lin)
    url = f"/settings/privacy/two-factor/passkeys/{passkey.pk}/remove/"

    assert "Remove the passkey “Passkey" in lin_verified.get(url).content.decode()
    wrong_password = lin_verified.post(url, {"password": "nope", "token": code_for(totp_of(lin))})
    wrong_code = lin_verified.post(url, {"password": PASSWORD, "token": "000000"})
    assert "That password is not right." in wrong_password.content.decode()
    assert "That code is not right" in wrong_code.content.decode()
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()

    clock.shift(30)
    with django_capture_on_commit_callbacks(execute=True):
        done = lin_verified.post(url, {"password": PASSWORD, "token": code_for(totp_of(lin))}, follow=True)

    assert "removed. It no longer signs you in." in done.content.decode()
    assert list(WebAuthnCredential.objects.filter(user=lin)) == [kept]
    assert actions_of(lin)[-1] == Action.PASSKEY_REMOVED
    assert AuditEvent.objects.get(action=Action.PASSKEY_REMOVED).changes == {"passkey": passkey.pk}
    assert "A passkey was removed from your Learner Portal account." in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["lin@example.org"]


def test_a_password_only_session_cannot_remove_a_passkey(client, lin):
    TOTPDevice.objects.create(user=lin, name="Phone", confirmed=True)
    passkey = PasskeyFactory(user=lin)
    client.force_login(lin)

    response = client.post(
        f"/settings/privacy/two-factor/passkeys/{passkey.pk}/remove/",
        {"password": PASSWORD, "token": code_for(totp_of(lin))},
    )

    assert response["Location"].startswith("/accounts/login/")
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()


def test_turning_two_factor_off_removes_the_passkeys_too(lin, lin_verified):
    passkey_add_through_pages(lin_verified, SoftPasskey())

    lin_verified.post("/settings/privacy/two-factor/disable/", {"password": PASSWORD, "token": code_for(totp_of(lin))})

    assert not WebAuthnCredential.objects.filter(user=lin).exists()
    signing_in = Client().post("/accounts/login/", {"username": "lin", "password": PASSWORD})
    assert "/accounts/login/code/" not in signing_in["Location"], "the password alone signs in again"


def test_staff_reach_the_admin_site_with_a_passkey_as_their_second_factor(client, verified_login):
    agent = staff_member("sam.agent", StaffGroup.SUPPORT_AGENT)
    verified_login(client, agent)
    passkey = SoftPasskey()
    assert passkey_add_through_pages(client, passkey).status_code == 200

    staff = password_step_client(agent)
    assert staff.get("/admin/").status_code == 302, "not before the second step"
    done = passkey_sign_in(staff, passkey, next_url="/admin/")

    assert done.json()["redirect_url"] == "/admin/"
    assert staff.get("/admin/").status_code == 200


def test_copies_of_the_data_list_passkeys_by_name_and_dates_never_their_key_material(lin, clock):
    passkey = PasskeyFactory(user=lin, name="Work laptop")
    passkey.last_used_at = START + datetime.timedelta(days=2)
    passkey.save(update_fields=["last_used_at"])
    handle = WebAuthnUserHandle.objects.get(user=lin).handle_hex
    key_material = [
        text
        for value in (passkey.credential_id, passkey.public_key, bytes.fromhex(handle))
        for text in (
            value.hex(),
            base64.b64encode(value).decode(),
            base64.urlsafe_b64encode(value).decode().rstrip("="),
        )
    ] + [passkey.credential_id_sha256]

    with access_report_file(lin) as output:
        report = output.read().decode()
    with portable_export_file(lin) as output, zipfile.ZipFile(output) as archive:
        files = {name: archive.read(name).decode(errors="replace") for name in archive.namelist()}

    section = report.split("<h3>Your passkeys for two-factor sign-in</h3>")[1].split("</section>")[0]
    assert "<td>Work laptop</td><td>30 November 2026, 09:00 GMT</td><td>2 December 2026, 09:00 GMT</td>" in section
    assert json.loads(files["passkeys.json"]) == [
        {"name": "Work laptop", "created_at": "2026-11-30T09:00:00+00:00", "last_used_at": "2026-12-02T09:00:00+00:00"}
    ]
    for text in key_material:
        assert text not in report
        assert not any(text in content for content in files.values())


def test_erasure_deletes_every_passkey_and_what_the_library_keeps_with_it(lin):
    PasskeyFactory.create_batch(2, user=lin)
    kofis = PasskeyFactory(user=UserFactory(username="kofi"))

    erasure_execute(subject=lin)

    assert list(WebAuthnCredential.objects.all()) == [kofis]
    assert list(WebAuthnAttestation.objects.values_list("credential", flat=True)) == [kofis.pk]
    assert list(WebAuthnUserHandle.objects.values_list("user", flat=True)) == [kofis.user_id]


def test_every_word_of_the_passkey_pages_and_the_code_step_is_marked_for_translation(lin, lin_verified, pseudo_locale):
    passkey = PasskeyFactory(user=lin, name="Work laptop")
    waiting = password_step_client(lin)
    pages = [
        lin_verified.get("/settings/privacy/"),
        lin_verified.get("/settings/privacy/two-factor/passkeys/add/"),
        lin_verified.get(f"/settings/privacy/two-factor/passkeys/{passkey.pk}/name/"),
        lin_verified.get(f"/settings/privacy/two-factor/passkeys/{passkey.pk}/remove/"),
        waiting.get("/accounts/login/code/"),
    ]

    for page in pages:
        assert page.status_code == 200
        # What the passkey script shows in place of its <template>s is checked too.
        html = page.content.decode().replace("<template", "<div").replace("</template>", "</div>")
        assert unmarked_text(html, allowed=["lin", "Work laptop"]) == []


def test_signing_in_with_a_passkey_during_a_recovery_says_it_goes_on(lin, lin_verified):
    passkey = SoftPasskey()
    passkey_add_through_pages(lin_verified, passkey)
    AccountRecovery.objects.create(
        user=lin,
        status=AccountRecovery.Status.WAITING,
        started_at=START,
        completes_at=START + datetime.timedelta(days=3),
    )

    client = password_step_client(lin)
    assert passkey_sign_in(client, passkey).status_code == 200

    page = client.get("/settings/privacy/").content.decode()
    assert (
        "A recovery of your account without its second factors is under way, and signing in does not stop it." in page
    )
    assert AccountRecovery.objects.get(user=lin).status == AccountRecovery.Status.WAITING
