"""In Chromium: a learner asks for erasure; the privacy officer approves it in admin, confirms it; the account goes."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from compliance.models import StaffGroup
from learnerportal.tests.factories import TOTPDeviceFactory, UserFactory, staff_member
from learnerportal.tests.support import sign_in
from rights_requests.models import RightsRequest, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_learner_files_erasure_and_the_officer_approves_it(live_server, browser, screenshot, axe_violations):
    amara = UserFactory(username="amara", email="amara@example.org")
    officer_device = TOTPDeviceFactory(user=staff_member("priya.dpo", StaffGroup.PRIVACY_OFFICER))

    learner = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(learner, f"{live_server.url}/accounts/login/", "amara")
    learner.goto(f"{live_server.url}/settings/data/")
    learner.get_by_role("link", name="Ask for erasure").click()
    expect(learner.get_by_role("heading", name="Delete your account and data")).to_be_visible()
    learner.get_by_label("Anything you would like to add? (optional)").fill("I am moving to another platform.")
    screenshot(learner, "1-learner-asks")
    learner.get_by_role("button", name="Send request").click()
    expect(learner.get_by_role("status")).to_contain_text("We received your request DSR-")
    request = RightsRequest.objects.get(subject=amara, type="erasure")
    expect(learner.locator("main")).to_contain_text(request.reference)
    expect(learner.locator("main")).to_contain_text(request.get_status_display())
    screenshot(learner, "2-learner-sees-it-waiting")

    officer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(officer, f"{live_server.url}/accounts/login/?next=/admin/", "priya.dpo", device=officer_device)
    officer.goto(f"{live_server.url}/admin/rights_requests/rightsrequest/")
    row = officer.get_by_role("row").filter(has_text=request.reference)
    expect(row).to_contain_text("amara")
    row.get_by_role("link", name=request.reference).click()
    expect(officer.locator("#content")).to_contain_text("I am moving to another platform.")
    screenshot(officer, "3-officer-approves")
    officer.get_by_role("button", name="Approve…", exact=True).click()

    # It cannot be undone, so approving asks first, as Django asks before deleting.
    expect(officer.get_by_role("heading", name="Approve and carry out erasure?")).to_be_visible()
    expect(officer.locator("table.rr-selected")).to_contain_text(request.reference)
    expect(officer.locator("table.rr-erasure-plan")).to_contain_text("Retained")
    screenshot(officer, "3b-officer-confirms")
    assert axe_violations(officer) == []
    request.refresh_from_db()
    assert request.status == Status.AWAITING_APPROVAL, "nothing happens before the officer confirms"
    officer.get_by_role("button", name="Yes, erase").click()
    expect(officer.locator(".messagelist")).to_contain_text(request.reference)

    # Carried out at once in tests (the background task runs inline): the account is anonymised.
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert not User.objects.filter(username="amara").exists()
    assert not User.objects.get(pk=amara.pk).is_active
    officer.goto(f"{live_server.url}/admin/rights_requests/rightsrequest/{request.pk}/change/")
    expect(officer.locator("#content")).to_contain_text("Completed")
    screenshot(officer, "4-completed")

    learner.reload()  # the learner's sessions ended with the account
    expect(learner.get_by_role("link", name="Sign in")).to_be_visible()


def test_the_officer_removes_what_an_erasure_left_and_the_erasure_completes(
    live_server, browser, screenshot, axe_violations, django_capture_on_commit_callbacks
):
    from rights_requests import services

    amara = UserFactory(username="amara", email="amara@example.org")
    bilal = UserFactory(username="bilal")
    bilal.profile.bio = "I study with amara@example.org every week."
    bilal.profile.save()
    officer_user = staff_member("priya.dpo", StaffGroup.PRIVACY_OFFICER)
    officer_device = TOTPDeviceFactory(user=officer_user)
    request = services.request_submit(actor=amara, subject=amara, request_type="erasure")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer_user, request=request)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED_WITH_FINDINGS

    officer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(officer, f"{live_server.url}/accounts/login/?next=/admin/", "priya.dpo", device=officer_device)
    officer.goto(f"{live_server.url}/admin/rights_requests/rightsrequest/{request.pk}/change/")
    expect(officer.locator("#content")).to_contain_text("1 column still holds a former identifier")
    expect(officer.get_by_role("button", name="Remove what the erasure left…")).to_be_visible()
    screenshot(officer, "4-receipt-with-findings")
    officer.get_by_role("link", name="Review and remove them").click()
    expect(officer.get_by_role("heading", name=f"What the erasure {request.reference} left")).to_be_visible()
    expect(officer.locator("table.rr-table")).to_contain_text("accounts_profile")
    expect(officer.locator("#content")).not_to_contain_text("amara@example.org")
    assert axe_violations(officer) == []
    officer.get_by_role("checkbox").first.check()
    screenshot(officer, "5-officer-reviews-leftovers")
    officer.get_by_role("button", name="Remove from the places ticked").click()

    expect(officer.locator(".messagelist")).to_contain_text("the erasure is complete")
    screenshot(officer, "6-erasure-complete")
    request.refresh_from_db()
    bilal.profile.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert bilal.profile.bio == "I study with [erased learner] every week."
