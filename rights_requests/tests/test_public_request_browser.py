"""In Chromium: a person without an account asks for their data, types the emailed code, and staff answer."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from compliance.models import StaffGroup
from learnerportal.tests.factories import TOTPDeviceFactory, staff_member
from learnerportal.tests.support import emailed_code, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_request_without_an_account_goes_from_the_form_to_the_staff_reply(
    live_server, browser, screenshot, axe_violations
):
    visitor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto(f"{live_server.url}/accounts/login/")
    visitor.get_by_role("link", name="Ask about your data without signing in").click()
    expect(visitor.get_by_role("heading", name="Ask about your data without signing in")).to_be_visible()

    # A restriction needs its reason: the refusal is beside the field, and nothing is sent.
    visitor.get_by_label("Your email address").fill("nobody@example.net")
    visitor.get_by_label("Pause the use of your data").check()
    visitor.get_by_role("button", name="Send me a code").click()
    expect(visitor.locator(".field-error")).to_contain_text("Please fill this in.")
    screenshot(visitor, "public-form-refused")
    assert axe_violations(visitor) == []
    assert not mail.outbox

    visitor.get_by_label("Get a copy of your data").check()
    visitor.get_by_label("Tell us more").fill("I took a course in 2024, I think.")
    visitor.get_by_role("button", name="Send me a code").click()
    expect(visitor.get_by_role("heading", name="Check your email for a code")).to_be_visible()
    screenshot(visitor, "public-code")
    assert axe_violations(visitor) == []

    (message,) = mail.outbox
    assert message.to == ["nobody@example.net"]
    visitor.get_by_label("Code from the email").fill(emailed_code(message))
    visitor.get_by_role("button", name="Confirm").click()
    expect(visitor.get_by_role("heading", name="Thank you: your address is confirmed")).to_be_visible()
    expect(visitor.locator("main")).to_contain_text("We received your request: Get a copy of your data.")
    screenshot(visitor, "public-done")
    assert axe_violations(visitor) == []

    agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    device = TOTPDeviceFactory(user=staff_member("sam.agent", StaffGroup.SUPPORT_AGENT))
    queue = "/admin/rights_requests/publicrequest/"
    sign_in(agent, f"{live_server.url}/accounts/login/?next={queue}", "sam.agent", device=device)
    row = agent.get_by_role("row").filter(has_text="nobody@example.net")
    expect(row).to_contain_text("Verified: no account found")
    screenshot(agent, "public-queue")
    row.get_by_role("checkbox").check()
    agent.locator("select[name=action]").select_option(label="Reply: we hold no data about this address")
    agent.get_by_role("button", name="Run").click()
    expect(agent.locator(".messagelist")).to_contain_text("Answered 1 request.")
    expect(agent.get_by_role("row").filter(has_text="nobody@example.net")).to_contain_text(
        "Answered: we hold no data about this address"
    )
    screenshot(agent, "public-queue-answered")
    assert axe_violations(agent) == []

    reply = mail.outbox[-1]
    assert reply.to == ["nobody@example.net"]
    assert "we hold no personal data about it" in reply.body
