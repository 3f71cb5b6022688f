"""In Chromium: a browser exposing ``navigator.globalPrivacyControl`` (GPC specification §4), without the header."""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.factories import PASSWORD, UserFactory
from privacy.models import Consent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIGNAL_ON = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});"


def test_the_script_signal_turns_marketing_off_and_the_privacy_tab_says_so(live_server, page, screenshot):
    learner = UserFactory(username="amara", email="amara@example.org")
    page.context.add_init_script(SIGNAL_ON)
    page.goto(f"{live_server.url}/accounts/login/?next=/settings/privacy/")
    page.get_by_label("Username or email").fill("amara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    consents = page.get_by_role("region", name="How we may use your data")
    expect(consents.get_by_text("Your browser asked us not to do this")).to_have_count(2)
    screenshot(page, "privacy-tab-gpc")
    page.set_viewport_size({"width": 360, "height": 740})
    row = consents.locator(".consent-row").filter(has=page.locator(".consent-gpc")).first
    state, note = row.locator(".consent-state").bounding_box(), row.locator(".consent-gpc").bounding_box()
    assert state["width"] > 150, "on a phone the state keeps a line of its own width, not a letter's"
    assert note["y"] >= state["y"] + state["height"] - 1, "the note stands below the state"
    screenshot(page, "privacy-tab-gpc-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert set(Consent.objects.filter(user=learner, source="gpc").values_list("purpose", "granted")) == {
        ("marketing_email", False),
        ("partner_sharing", False),
    }

    # The learner may still turn it on; the signal is not sent again in this session.
    consents.get_by_role("button", name="Turn on: Send me news about courses by email.").click()
    expect(page.get_by_role("status")).to_contain_text("is now on.")
    page.reload()
    expect(consents.get_by_text("Your browser asked us not to do this")).to_have_count(1)
