"""Fixtures for the browser tests of rights requests."""

import pytest
from playwright.sync_api import expect

from compliance.models import StaffGroup
from learnerportal.tests.factories import TOTPDeviceFactory, staff_member
from learnerportal.tests.support import sign_in


@pytest.fixture
def restriction_filed_by_amara(live_server, browser, amara):
    """Make agent sam.support (with an authenticator); learner amara files a restriction in a browser.

    Returns:
        ``(amara's page, sam's TOTP device, the request's reference)``.
    """
    agent_device = TOTPDeviceFactory(user=staff_member("sam.support", StaffGroup.SUPPORT_AGENT))
    learner = browser.new_context().new_page()
    sign_in(learner, f"{live_server.url}/accounts/login/", "amara")
    learner.goto(f"{live_server.url}/settings/data/")
    learner.get_by_role("link", name="Ask for a restriction").click()
    learner.get_by_label("Why should we stop using your data for now?").fill("My quiz results are wrong.")
    learner.get_by_role("button", name="Send request").click()
    expect(learner.get_by_role("status")).to_contain_text("We received your request DSR-")
    reference = learner.get_by_role("status").inner_text().split("request ")[1].split()[0].rstrip(".")
    return learner, agent_device, reference
