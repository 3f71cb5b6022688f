"""In Chromium: grant, then withdraw, marketing email on the Privacy tab; see the confirmation and the history page."""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_learner_withdraws_marketing_consent_as_easily_as_granting_it(live_server, page, screenshot, axe_violations):
    UserFactory(username="amara", email="amara@example.org")
    page.goto(f"{live_server.url}/accounts/login/?next=/settings/privacy/")
    page.get_by_label("Username or email").fill("amara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    consents = page.get_by_role("region", name="How we may use your data")
    consents.get_by_role("button", name="Turn on: Send me news about courses by email.").click()
    expect(page.get_by_role("status")).to_contain_text("is now on.")
    consents.get_by_role("button", name="Turn off: Send me news about courses by email.").click()
    expect(page.get_by_role("status")).to_contain_text("is now off.")

    screenshot(page, "consents")

    # The history of choices is a page of its own, a link away (no script needed), and a link back.
    consents.get_by_role("link", name="Your history of choices").click()
    history = page.get_by_role("region", name="Your history of choices")
    entries = history.get_by_role("listitem").filter(has_text="Marketing email")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("off")
    assert axe_violations(page, sizes=[{"width": 1280, "height": 800}, {"width": 360, "height": 740}]) == []
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, "history-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "history-desktop")
    page.locator(".back-link").get_by_role("link", name="Privacy").click()
    expect(consents.get_by_role("link", name="Your history of choices")).to_be_visible()


IN_VIEW = """el => {
  const box = el.getBoundingClientRect();
  return box.top >= -1 && box.bottom <= window.innerHeight + 1 && box.height > 0;
}"""


def test_keyboard_consent_change_focuses_its_confirmation_beside_the_consents(live_server, page, screenshot):
    UserFactory(username="amara", email="amara@example.org")
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(f"{live_server.url}/accounts/login/?next=/settings/privacy/")
    page.get_by_label("Username or email").fill("amara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    consents = page.get_by_role("region", name="How we may use your data")
    consents.get_by_role("button", name="Turn on: Recommend courses to me based on my learning history.").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # the browser's jump to the anchor, which must not take focus away

    focused = page.locator(":focus")
    expect(focused).to_have_attribute("role", "status")
    expect(focused).to_contain_text("Saved: “Recommend courses to me based on my learning history.” is now on.")
    assert consents.locator(":focus").count() == 1, "the confirmation sits inside the consents section"
    assert focused.evaluate(IN_VIEW), "the focused confirmation is on screen"
    screenshot(page, "consent-confirmation")
