"""In Chromium: an agent opens a learner's request and account in admin; the learner sees it on Account activity."""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_learner_sees_that_support_viewed_their_data_for_their_request(
    live_server, browser, screenshot, restriction_filed_by_amara
):
    learner, agent_device, reference = restriction_filed_by_amara

    agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(agent, f"{live_server.url}/admin/rights_requests/rightsrequest/", "sam.support", device=agent_device)
    agent.get_by_role("link", name=reference).click()
    expect(agent.locator("h1, h2").first).to_be_visible()
    agent.get_by_role("link", name="amara").first.click()
    expect(agent.locator("#content")).to_contain_text("amara@example.org")
    screenshot(agent, "1-agent-opens-the-learner")

    learner.goto(f"{live_server.url}/settings/security/")
    learner.get_by_role("link", name="View account activity").click()
    main = learner.locator("main")
    expect(main).to_contain_text(
        f"A member of the support team viewed your account and profile while working on request {reference}."
    )
    expect(main).to_contain_text(
        f"A member of the support team viewed your request and a summary of your data while working on request "
        f"{reference}."
    )
    expect(main).to_contain_text(f"Request {reference}: submitted by you.")
    expect(main).not_to_contain_text("sam.support")
    screenshot(learner, "2-learner-activity")
