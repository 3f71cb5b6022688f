"""In Chromium: a learner files a restriction request, an agent works it in the admin queue, the learner sees it."""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_assigns_and_approves_a_restriction_and_the_learner_sees_it(
    live_server, browser, screenshot, restriction_filed_by_amara
):
    learner, agent_device, reference = restriction_filed_by_amara

    agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(agent, f"{live_server.url}/admin/rights_requests/rightsrequest/", "sam.support", device=agent_device)
    row = agent.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Awaiting review")
    expect(row).to_contain_text("amara")
    screenshot(agent, "1-queue")
    row.get_by_role("checkbox").check()
    agent.locator("select[name=action]").select_option(label="Assign to me")
    agent.get_by_role("button", name="Run").click()
    expect(agent.locator(".messagelist")).to_contain_text("Assigned to you")
    row = agent.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("sam.support")
    row.get_by_role("checkbox").check()
    agent.locator("select[name=action]").select_option(label="Approve…")
    agent.get_by_role("button", name="Run").click()
    expect(agent.get_by_role("heading", name="Approve these requests?")).to_be_visible()
    screenshot(agent, "2-confirm-approval")
    agent.get_by_role("button", name="Yes, approve").click()
    expect(agent.locator(".messagelist")).to_contain_text(reference)
    screenshot(agent, "3-approved")

    learner.reload()
    expect(learner.get_by_text("In force since").first).to_be_visible()  # answered, and in force until lifted
    expect(learner.get_by_text("Kept in force")).to_be_visible()
    expect(learner.locator("main")).to_contain_text("We have stopped every optional use of your data")
    expect(learner.locator("main")).to_contain_text("Our privacy team")
    expect(learner.locator("main")).not_to_contain_text("sam.support")
    screenshot(learner, "4-learner-sees-status")
