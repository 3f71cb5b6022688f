"""In Chromium: a request page follows its file's progress in place, keeping the learner's focus and telling them."""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.support import sign_in
from rights_requests.models import RightsRequest, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_progress_updates_keep_focus_on_the_withdraw_button_and_are_announced(
    live_server, page, screenshot, learner, make_request, axe_violations
):
    rights_request = make_request(request_type="access", status=Status.APPROVED)
    sign_in(page, f"{live_server.url}/accounts/login/", learner.username)
    page.goto(f"{live_server.url}/settings/data/{rights_request.pk}/")
    expect(page.get_by_text("Waiting to start")).to_be_visible()
    page.evaluate("window.sameDocument = true")
    withdraw = page.get_by_role("button", name="Withdraw this request")
    withdraw.focus()

    RightsRequest.objects.filter(pk=rights_request.pk).update(progress_done=42, progress_total=100)
    progress_text = page.get_by_text("42 % done: 42 of 100 records written.")
    expect(progress_text).to_be_visible(timeout=10_000)
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "42")
    RightsRequest.objects.filter(pk=rights_request.pk).update(progress_done=57)
    expect(page.get_by_text("57 % done: 57 of 100 records written.")).to_be_visible(timeout=10_000)

    expect(withdraw).to_be_focused()
    assert page.evaluate("window.sameDocument"), "the page was not loaded again"
    live = page.locator("[aria-live=polite]").filter(has_text="57 % done")
    expect(live).to_have_count(1)
    screenshot(page, "progress")
    assert axe_violations(page) == []


def test_when_the_copy_is_ready_focus_moves_from_the_vanished_withdraw_button_to_the_download(
    live_server, page, learner, make_request
):
    import io

    from rights_requests.files import request_file_store

    rights_request = make_request(request_type="access", status=Status.APPROVED)
    sign_in(page, f"{live_server.url}/accounts/login/", learner.username)
    page.goto(f"{live_server.url}/settings/data/{rights_request.pk}/")
    page.get_by_role("button", name="Withdraw this request").focus()

    request_file_store(request=rights_request, kind="access_report", source=io.BytesIO(b"<p>Your data</p>"))
    RightsRequest.objects.filter(pk=rights_request.pk).update(status=Status.COMPLETED)

    download = page.get_by_role("link", name="Download your report")
    expect(download).to_be_visible(timeout=10_000)
    expect(download).to_be_focused()
