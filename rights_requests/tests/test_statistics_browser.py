"""In Chromium: the privacy officer finds the statistics from the admin index, on a desktop and on a phone."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from learnerportal.tests.factories import RequestEventFactory, TOTPDeviceFactory, UserFactory
from learnerportal.tests.support import sign_in
from rights_requests.handlers import registered
from rights_requests.models import RequestEvent, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def test_the_officer_reads_the_weeks_chart_and_table_on_a_desktop_and_a_phone(
    live_server, browser, officer, make_request, axe_violations, screenshot
):
    now = timezone.now()
    for days_ago in (3, 10, 17, 40):
        answered = make_request(
            "access",
            status=Status.COMPLETED,
            subject=UserFactory(),
            received_at=now - datetime.timedelta(days=days_ago),
        )
        event = RequestEventFactory(request=answered, action=RequestEvent.Action.COMPLETED, to_status=Status.COMPLETED)
        RequestEvent.objects.filter(pk=event.pk).update(created_at=now - datetime.timedelta(days=days_ago - 2))
    make_request("objection", received_at=now - datetime.timedelta(days=33), due_at=now - datetime.timedelta(days=2))
    page = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(
        page, f"{live_server.url}/accounts/login/?next=/admin/", "priya.officer", device=TOTPDeviceFactory(user=officer)
    )

    page.get_by_role("link", name="Statistics: on time, per week").click()

    expect(page.get_by_role("img", name="Requests received and closed per week")).to_be_visible()
    expect(page.get_by_role("row", name="All types")).to_contain_text("4")
    screenshot(page, "desktop")
    page.get_by_label("Period").select_option("26")
    page.get_by_role("button", name="Show").click()
    # Three heads, a row per type, all types, five regimes, 26 weeks.
    expect(page.get_by_role("row")).to_have_count(3 + len(registered()) + 1 + 5 + 26)
    assert axe_violations(page, sizes=[DESKTOP, PHONE]) == []
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
    screenshot(page, "phone")
