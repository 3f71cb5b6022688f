"""In Chromium with a virtual authenticator: add a passkey, sign out, sign in with it, remove it."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import BackupCode, BackupCodeDevice, TOTPDevice, backup_code_digest
from learnerportal.tests.factories import PASSWORD, UserFactory
from learnerportal.tests.support import code_for, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def authenticator(page):
    """Give the page's browser a platform authenticator that verifies its user (DevTools protocol's WebAuthn domain)."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    added = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    yield devtools, added["authenticatorId"]
    devtools.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": added["authenticatorId"]})


def test_learner_adds_a_passkey_signs_in_with_it_and_removes_it(
    live_server, page, settings, authenticator, screenshot, axe_violations
):
    # WebAuthn needs a secure context: http://localhost is one; the relying party is localhost.
    assert live_server.url.startswith("http://localhost:")
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    devtools, authenticator_id = authenticator
    amara = UserFactory(username="amara", email="amara@example.org")
    app = TOTPDevice.objects.create(user=amara, name="Phone", confirmed=True)
    codes = BackupCodeDevice.objects.create(user=amara, name="Backup codes", confirmed=True)
    BackupCode.objects.create(device=codes, salt="s", digest=backup_code_digest("s", "abcdefghjk"))
    sign_in(page, f"{live_server.url}/accounts/login/", "amara", device=app)
    expect(page.get_by_role("heading", name="Hello, amara")).to_be_visible()

    page.goto(f"{live_server.url}/settings/privacy/")
    section = page.get_by_role("region", name="Two-factor authentication")
    expect(section).to_contain_text("You have no passkeys.")
    section.get_by_role("link", name="Add a passkey").click()
    expect(page.get_by_role("button", name="Add a passkey")).to_be_visible()  # the script found WebAuthn
    screenshot(page, "1-add")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("heading", name="Name your passkey")).to_be_visible()
    name = page.get_by_label("Name", exact=True)
    expect(name).to_have_value("Passkey on Chrome on Linux")
    name.fill("This laptop")
    screenshot(page, "2-name")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Passkey saved as “This laptop”.")
    passkeys = page.get_by_role("list", name="Your passkeys")
    expect(passkeys).to_contain_text("This laptop")
    expect(passkeys).to_contain_text("Never used")
    screenshot(page, "3-privacy-tab")
    assert axe_violations(page) == []
    assert len(devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1

    page.get_by_label("Account menu for amara").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/accounts/login/?next=/settings/privacy/")
    page.get_by_label("Username or email").fill("amara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    expect(page.get_by_role("heading", name="Use your passkey")).to_be_visible()
    expect(page.get_by_label("Code")).to_be_visible()  # the app and backup codes still work
    screenshot(page, "4-code-step")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(f"{live_server.url}/settings/privacy/")
    passkeys = page.get_by_role("list", name="Your passkeys")
    expect(passkeys).to_contain_text("Last used")
    screenshot(page, "5-signed-in")

    passkeys.get_by_role("link", name="Remove the passkey This laptop").click()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code").fill("abcde-fghjk")  # the app's code of this half-minute was spent signing in
    screenshot(page, "6-remove")
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status").first).to_contain_text("Passkey “This laptop” removed.")
    expect(page.get_by_role("region", name="Two-factor authentication")).to_contain_text("You have no passkeys.")
    screenshot(page, "7-removed")


#: Records every message django-otp-webauthn's scripts put in the passkey button and its status line.
RECORD_MESSAGES = """
window.passkeyMessages = [];
new MutationObserver(() => {
  for (const id of ["passkey-register-button", "passkey-register-status-message",
                    "passkey-verification-button", "passkey-verification-status-message"]) {
    const text = document.getElementById(id)?.textContent;
    if (text && window.passkeyMessages.at(-1) !== text) window.passkeyMessages.push(text);
  }
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
"""


def test_a_spanish_learner_reads_every_passkey_message_in_our_spanish(
    live_server, browser, settings, screenshot, axe_violations
):
    """Adding a passkey, adding it twice, a device without it and signing in: "llave de acceso", tú, no English."""
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    lucia = UserFactory(username="lucia", email="lucia@example.org")
    lucia.profile.language = "es"
    lucia.profile.save(update_fields=["language"])
    app = TOTPDevice.objects.create(user=lucia, name="Móvil", confirmed=True)
    context = browser.new_context(locale="es-ES")
    context.add_init_script(RECORD_MESSAGES)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    options = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True}
    authenticator = {
        "authenticatorId": devtools.send(
            "WebAuthn.addVirtualAuthenticator", {"options": options | {"isUserVerified": True}}
        )["authenticatorId"]
    }
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nombre de usuario o correo").fill("lucia")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.get_by_label("Código").fill(code_for(app))
    page.get_by_role("button", name="Iniciar sesión").click()
    heard = []

    page.goto(f"{live_server.url}/settings/privacy/two-factor/passkeys/add/")
    page.get_by_role("button", name="Añadir una llave de acceso").click()
    expect(page.get_by_role("heading", name="Ponle nombre a tu llave de acceso")).to_be_visible()
    expect(page.locator("input[name=name]")).to_have_value("Llave de acceso en Chrome en Linux")
    page.goto(f"{live_server.url}/settings/privacy/two-factor/passkeys/add/")
    page.get_by_role("button", name="Añadir una llave de acceso").click()
    status = page.get_by_role("status").filter(has_text="llave")
    expect(status).to_have_text("Este dispositivo ya guarda una llave de acceso de tu cuenta: puedes usar esa.")
    expect(page.get_by_text("Nunca usada")).to_be_visible()  # a llave is feminine, an API token is not
    screenshot(page, "es-added-twice")
    assert axe_violations(page) == []
    heard += page.evaluate("window.passkeyMessages")

    page.get_by_label("Menú de la cuenta de lucia").click()
    page.get_by_role("button", name="Cerrar sesión").click()
    page.goto(f"{live_server.url}/accounts/login/?next=/settings/privacy/")
    page.get_by_label("Nombre de usuario o correo").fill("lucia")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    (credential,) = devtools.send("WebAuthn.getCredentials", authenticator)["credentials"]
    devtools.send("WebAuthn.clearCredentials", authenticator)  # a device that does not hold it
    page.get_by_role("button", name="Iniciar sesión con una llave de acceso").click()
    expect(page.get_by_role("status").filter(has_text="llave")).to_contain_text("No se ha usado tu llave de acceso")
    screenshot(page, "es-not-on-this-device")
    heard += page.evaluate("window.passkeyMessages")
    devtools.send("WebAuthn.addCredential", authenticator | {"credential": credential})
    page.get_by_role("button", name="Iniciar sesión con una llave de acceso").click()
    expect(page).to_have_url(f"{live_server.url}/settings/privacy/")

    assert "Esperando a tu dispositivo…" in heard
    assert "Este dispositivo ya guarda una llave de acceso de tu cuenta: puedes usar esa." in heard
    assert (
        "No se ha usado tu llave de acceso: la solicitud se canceló o se agotó el tiempo, o este dispositivo no guarda "
        "ninguna llave de acceso de tu cuenta. Vuelve a intentarlo o introduce un código."
    ) in heard
    for message in heard:
        assert "clave de acceso" not in message and not re.search(r"\b(Passkey|Verif|Regist)", message), message
