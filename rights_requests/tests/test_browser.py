"""In Chromium: a learner files a restriction request, an agent works it in the admin queue, the learner sees it."""

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.models import TOTPDevice
from compliance.models import StaffGroup
from learnerportal.tests.factories import PASSWORD, UserFactory
from rights_requests.tests.conftest import staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, url, username, device=None):
    page.goto(url)
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.get_by_label("Code").fill(current_code(device))
        page.get_by_role("button", name="Sign in").click()


def current_code(device):
    """Return the code an authenticator app would show now for ``device`` (RFC 6238)."""
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def amara_files_a_restriction(live_server, browser):
    """Make learner amara and agent sam.support (with an authenticator); amara files a restriction in a browser.

    Returns:
        ``(amara's page, sam's TOTP device, the request's reference)``.
    """
    UserFactory(username="amara", email="amara@example.org")
    agent_device = TOTPDevice.objects.create(user=staff_member("sam.support", StaffGroup.SUPPORT_AGENT), name="Phone")
    learner = browser.new_context().new_page()
    sign_in(learner, f"{live_server.url}/accounts/login/", "amara")
    learner.goto(f"{live_server.url}/settings/data/")
    learner.get_by_role("link", name="Ask for a restriction").click()
    learner.get_by_label("Why should we stop using your data for now?").fill("My quiz results are wrong.")
    learner.get_by_role("button", name="Send request").click()
    expect(learner.get_by_role("status")).to_contain_text("We received your request DSR-")
    reference = learner.get_by_role("status").inner_text().split("request ")[1].split()[0].rstrip(".")
    return learner, agent_device, reference


def test_agent_assigns_and_approves_a_restriction_and_the_learner_sees_it(live_server, browser, screenshot):
    learner, agent_device, reference = amara_files_a_restriction(live_server, browser)

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
    agent.locator("select[name=action]").select_option(label="Approve")
    agent.get_by_role("button", name="Run").click()
    expect(agent.locator(".messagelist")).to_contain_text(reference)
    screenshot(agent, "2-approved")

    learner.reload()
    expect(learner.get_by_text("Completed").first).to_be_visible()
    expect(learner.locator("main")).to_contain_text("We have stopped every optional use of your data")
    expect(learner.locator("main")).to_contain_text("Our privacy team")
    expect(learner.locator("main")).not_to_contain_text("sam.support")
    screenshot(learner, "3-learner-sees-status")
