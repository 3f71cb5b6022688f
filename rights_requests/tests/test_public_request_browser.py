"""In Chromium: a person without an account asks for their data, types the emailed code, and staff answer; an
authorised agent files for a learner with a signed authorisation, staff verify both, and the learner is told."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from compliance.models import StaffGroup
from learnerportal.tests.factories import TOTPDeviceFactory, UserFactory, authorisation_pdf, staff_member
from learnerportal.tests.support import OBJECTION_LINK, emailed_code, sign_in
from rights_requests.models import RightsRequest, Status

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


def test_an_agent_files_for_a_learner_with_a_signed_authorisation_and_staff_verify_both(
    live_server, browser, screenshot, axe_violations
):
    learner = UserFactory(username="amara", email="amara@example.org")
    pdf = authorisation_pdf()
    visitor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto(f"{live_server.url}/privacy/request/")
    visitor.get_by_label("I am an authorised agent, asking for someone with their signed permission").check()
    visitor.get_by_label("Your email address").fill("ana@example.net")
    visitor.get_by_label("Your full name").fill("Ana Ruiz")
    visitor.get_by_label("The learner's email address").fill(learner.email)
    visitor.get_by_label("Get a copy of your data").check()

    # A web page renamed "letter.pdf" is refused beside the field, and nothing is sent.
    fake = {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": b"<html><script>x</script></html>"}
    visitor.get_by_label("Signed authorisation").set_input_files(fake)
    visitor.get_by_role("button", name="Send me a code").click()
    expect(visitor.locator("#id_authorisation_error")).to_contain_text("This file is not a PDF, PNG or JPEG")
    screenshot(visitor, "agent-form-refused")
    assert axe_violations(visitor) == []
    assert not mail.outbox

    real = {"name": "authorisation.pdf", "mimeType": "application/pdf", "buffer": pdf.read()}
    visitor.get_by_label("Signed authorisation").set_input_files(real)
    visitor.get_by_role("button", name="Send me a code").click()
    expect(visitor.get_by_role("heading", name="Check your email for a code")).to_be_visible()
    (code_email,) = mail.outbox
    assert code_email.to == ["ana@example.net"]
    visitor.get_by_label("Code from the email").fill(emailed_code(code_email))
    visitor.get_by_role("button", name="Confirm").click()
    expect(visitor.locator("main")).to_contain_text("We never send the learner's data to you")
    screenshot(visitor, "agent-done")
    assert axe_violations(visitor) == []

    # The learner is told, and the link to object shows who asked for what.
    (notice,) = [message for message in mail.outbox if message.to == [learner.email]]
    assert "as an authorised agent" in notice.body and "“Ana Ruiz”" in notice.body
    told = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    told.goto(f"{live_server.url}{OBJECTION_LINK.search(notice.body)[1]}")
    expect(told.get_by_role("heading", name="Did you authorise this request?")).to_be_visible()
    expect(told.get_by_role("button", name="I did not authorise this: cancel it")).to_be_visible()
    screenshot(told, "agent-learner-told")
    assert axe_violations(told) == []

    rights_request = RightsRequest.objects.get()
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
    device = TOTPDeviceFactory(user=staff_member("sam.agent", StaffGroup.SUPPORT_AGENT))
    change = f"/admin/rights_requests/rightsrequest/{rights_request.pk}/change/"
    sign_in(staff, f"{live_server.url}/accounts/login/?next={change}", "sam.agent", device=device)
    expect(staff.locator("#content")).to_contain_text("An authorised agent: Ana Ruiz")
    expect(staff.locator("#content")).to_contain_text("not verified yet")
    steps = staff.get_by_role("group", name="Steps you can take")
    expect(steps.get_by_role("button", name="Verify identity…", exact=True)).to_have_count(0)
    screenshot(staff, "agent-request-page")
    assert axe_violations(staff) == []

    with staff.expect_download() as download:
        staff.get_by_role("link", name="Open it").click()
    assert download.value.suggested_filename == f"authorisation-{rights_request.reference}.pdf"

    steps.get_by_role("button", name="Verify the authority of the agent or parent…", exact=True).click()
    staff.get_by_label("How you verified their authority").fill("Signed by the learner; names Ana Ruiz.")
    staff.get_by_role("button", name="Record verification").click()
    expect(staff.locator(".messagelist")).to_contain_text("Verified the authority of who filed 1 request")
    expect(staff.locator("#content")).to_contain_text("verified by sam.agent")

    staff.get_by_role("group", name="Steps you can take").get_by_role("button", name="Verify identity…").click()
    staff.get_by_label("How you verified their identity").fill("Called the learner on the number we hold.")
    staff.get_by_role("button", name="Record verification").click()
    expect(staff.locator(".messagelist")).to_contain_text("Verified 1 request")
    screenshot(staff, "agent-request-verified")
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL
