"""In Chromium: turn on 2FA from the Privacy tab with the key shown, sign in with a code, turn it off."""

import base64
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from learnerportal.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from_key(key_text, at, step_offset=0):
    """Return the code an authenticator app shows at time ``at`` (epoch s) for the key the page displays (RFC 6238).

    Codes are counted from the set-up code's time, not the clock's: a set-up code typed at the
    end of one 30-second step and checked in the next makes django-otp note a drift of one
    step, and the next code it accepts is the set-up code's step + 1.
    """
    key = base64.b32decode(key_text.replace(" ", "") + "=" * (-len(key_text.replace(" ", "")) % 8))
    totp = TOTP(key, t0=0)
    totp.time = at + 30 * step_offset
    return f"{totp.token():06d}"


def test_learner_turns_on_two_factor_signs_in_with_a_code_and_turns_it_off(live_server, page, screenshot):
    UserFactory(username="amara", email="amara@example.org")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill("amara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}/settings/privacy/")
    section = page.get_by_role("region", name="Two-factor authentication")
    expect(section).to_contain_text("Off.")
    section.get_by_role("link", name="Turn on two-factor authentication").click()
    expect(page.locator(".qr svg")).to_be_visible()
    key = page.get_by_label("Key to type into your app").inner_text()
    screenshot(page, "1-setup")
    set_up_at = time.time()
    page.get_by_label("Code from your app").fill(code_from_key(key, set_up_at))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Save your backup codes")).to_be_visible()
    codes = page.get_by_role("list", name="Backup codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    backup_code = codes.first.inner_text()
    screenshot(page, "2-backup-codes")

    page.get_by_label("Account menu for amara").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill("amara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    screenshot(page, "3-code-step")
    page.get_by_label("Code").fill(code_from_key(key, set_up_at, step_offset=1))  # the set-up code is spent
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, amara")).to_be_visible()

    page.goto(f"{live_server.url}/settings/privacy/")
    expect(page.get_by_role("region", name="Two-factor authentication")).to_contain_text("On.")
    page.get_by_role("link", name="Turn off two-factor authentication").click()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code").fill(backup_code)
    page.get_by_role("button", name="Turn off").click()
    expect(page.get_by_role("status")).to_contain_text("Two-factor authentication is off.")
    screenshot(page, "4-off")
