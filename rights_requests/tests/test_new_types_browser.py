"""In Chromium: Your data with the LGPD's eight rights at 360 and 1280 px; an answer read on the request's page."""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.factories import EnrollmentFactory
from learnerportal.tests.support import learner_in, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [{"width": 360, "height": 800}, {"width": 1280, "height": 900}]


def test_the_lgpds_eight_rights_read_well_on_a_phone_and_a_desktop_and_a_confirmation_is_answered_on_its_page(
    live_server, browser, screenshot, axe_violations, amara
):
    learner_in("BR", user=amara)  # the regime that gives the most rights here (LGPD Art. 18)
    EnrollmentFactory(user=amara)
    page = browser.new_context(viewport=SIZES[0]).new_page()
    sign_in(page, f"{live_server.url}/settings/data/", "amara")

    cards = page.locator(".right-card")
    expect(cards).to_have_count(8)
    for size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_function("width => window.innerWidth === width", arg=size["width"])
        screenshot(page, f"your-data-{size['width']}")
        boxes = [cards.nth(index).bounding_box() for index in range(8)]
        for box in boxes:
            assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], "every card fits the window"
    assert axe_violations(page, SIZES) == []

    page.get_by_role("link", name="Ask for a confirmation").click()
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("status")).to_contain_text("We received your request DSR-")
    page.reload()  # the worker answered at once (the test's tasks run immediately)
    answer = page.locator("section.statement")
    expect(answer).to_contain_text("Yes: we process personal data about you.")
    expect(answer).to_contain_text("Education and learning")
    for size in SIZES:
        page.set_viewport_size(size)
        screenshot(page, f"confirmation-{size['width']}")
    assert axe_violations(page, SIZES) == []
