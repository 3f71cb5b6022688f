"""In Chromium: a learner in the United States tells their state and gets California's rights; the notice marks them."""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.factories import UserFactory
from learnerportal.tests.support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_learner_in_california_sees_the_ccpas_rights_after_telling_their_state(
    live_server, page, screenshot, axe_violations
):
    UserFactory(username="dana", profile__country="US")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, f"{live_server.url}/settings/data/", "dana")

    expect(page.get_by_role("note")).to_contain_text("Tell us your state on the Account tab")
    expect(page.locator("main")).to_contain_text("Right of access (Our standard, as GDPR Art. 15)")
    screenshot(page, "1-state-asked")
    page.get_by_role("link", name="Tell us your state on the Account tab").click()
    page.get_by_label("State").select_option(label="California")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".messages, [role=status]").first).to_be_visible()

    page.goto(f"{live_server.url}/settings/data/")
    main = page.locator("main")
    expect(main).to_contain_text("The law that applies to you: the California Consumer Privacy Act")
    expect(main).to_contain_text("Right to know (Cal. Civ. Code §1798.110, §1798.115)")
    expect(main).to_contain_text("Right to delete (Cal. Civ. Code §1798.105)")
    expect(main).not_to_contain_text("Pause the use of your data")
    expect(page.get_by_role("note")).to_have_count(0)
    screenshot(page, "2-ccpa-rights")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/privacy/notice/#regimes-heading")
    yours = page.locator(".regime-yours")
    expect(yours).to_contain_text("California Consumer Privacy Act")
    expect(yours).to_contain_text("45 days from the day we receive your request")
    yours.scroll_into_view_if_needed()
    screenshot(page, "3-notice")
    assert axe_violations(page) == []
