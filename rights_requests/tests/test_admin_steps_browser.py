"""In Chromium: a request's admin page as the support agent and the privacy officer see it, one button per step."""

import pytest
from playwright.sync_api import expect

from compliance.models import StaffGroup
from learnerportal.tests.factories import TOTPDeviceFactory, UserFactory, staff_member
from learnerportal.tests.support import sign_in
from rights_requests import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("role", "group", "buttons", "not_offered"),
    [
        ("agent", StaffGroup.SUPPORT_AGENT, ["Assign to me"], ["Approve…", "Reject…", "Extend deadline…"]),
        (
            "officer",
            StaffGroup.PRIVACY_OFFICER,
            ["Assign to me", "Approve…", "Reject…", "Extend deadline…"],
            ["Verify identity…", "Retry failed", "Mark completed…"],
        ),
    ],
)
def test_a_request_page_shows_the_steps_open_to_the_viewer(
    live_server, browser, screenshot, axe_violations, role, group, buttons, not_offered
):
    amara = UserFactory(username="amara", email="amara@example.org")
    erasure = services.request_submit(
        actor=amara, subject=amara, request_type="erasure", details={"note": "I am moving to another platform."}
    )
    device = TOTPDeviceFactory(user=staff_member(f"{role}.one", group))

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    change = f"/admin/rights_requests/rightsrequest/{erasure.pk}/change/"
    sign_in(page, f"{live_server.url}/accounts/login/?next={change}", f"{role}.one", device=device)

    steps = page.get_by_role("group", name="Steps you can take")
    expect(steps).to_be_visible()
    for name in buttons:
        expect(steps.get_by_role("button", name=name, exact=True)).to_be_visible()
    for name in not_offered:
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.locator("#content")).to_contain_text("The learner's payments")
    expect(page.locator("#content")).not_to_contain_text("Your payments")
    screenshot(page, f"{role}-request-page")
    assert axe_violations(page) == []

    if role == "agent":
        # Assigning affects no learner: it is done at once, and the button goes.
        steps.get_by_role("button", name="Assign to me", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("Assigned to you")
        expect(page.locator("#content")).to_contain_text("No step is open to you on this request in its status.")
        screenshot(page, "agent-after-assigning")
        return
    # Approving an erasure asks first, and Cancel goes back to the request.
    steps.get_by_role("button", name="Approve…", exact=True).click()
    expect(page.get_by_role("heading", name="Approve and carry out erasure?")).to_be_visible()
    screenshot(page, "officer-confirmation")
    page.get_by_role("button", name="Cancel").click()
    expect(page).to_have_url(f"{live_server.url}{change}")
