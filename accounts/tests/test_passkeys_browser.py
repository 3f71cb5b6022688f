"""In Chromium with a virtual authenticator: add a passkey, sign out, sign in with it, remove it."""

import pytest
from playwright.sync_api import expect

from accounts.models import BackupCode, BackupCodeDevice, TOTPDevice, backup_code_digest
from learnerportal.tests.factories import PASSWORD, UserFactory
from learnerportal.tests.support import sign_in

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
