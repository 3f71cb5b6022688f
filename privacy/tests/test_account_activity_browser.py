"""In Chromium: a learner reads their Account activity, a run of staff views as one line, filters it and pages back."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from compliance.models import AuditEvent
from compliance.services import audit_record, staff_access_record
from learnerportal.tests.support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
EVENING = datetime.datetime(2026, 3, 10, 19, 10, tzinfo=datetime.UTC)
REFERENCE = "DSR-2026-000077"


def a_month_of_activity(learner, agent, officer):
    """Write 60 sign-ins, a failed one, a consent change, then 5 views by support and 3 by the officer."""
    with time_machine.travel(EVENING - datetime.timedelta(days=30), tick=False) as clock:
        for _ in range(60):
            clock.shift(datetime.timedelta(hours=11))
            audit_record(actor=learner, subject=learner, action=AuditEvent.Action.SIGNED_IN)
        clock.move_to(EVENING - datetime.timedelta(hours=2))
        audit_record(actor=None, subject=learner, action=AuditEvent.Action.LOGIN_FAILED, changes={"step": "password"})
        clock.move_to(EVENING - datetime.timedelta(hours=1))
        audit_record(
            actor=learner, subject=learner, action=AuditEvent.Action.CONSENT_CHANGED, changes={"research": [0, 1]}
        )
        for seconds in range(0, 150, 30):
            clock.move_to(EVENING + datetime.timedelta(seconds=seconds))
            staff_access_record(actor=agent, subject=learner, view="your request", request_reference=REFERENCE)
        for minutes in (20, 21, 24):
            clock.move_to(EVENING + datetime.timedelta(minutes=minutes))
            staff_access_record(actor=officer, subject=learner, view="your account and profile")


def test_the_learner_reads_repeated_staff_views_as_one_line_filters_and_pages(
    live_server, page, screenshot, axe_violations, amara, agent, officer
):
    a_month_of_activity(amara, agent, officer)
    page.set_viewport_size(DESKTOP)
    sign_in(page, f"{live_server.url}/accounts/login/?next=/settings/security/", "amara")
    page.get_by_role("link", name="View account activity").click()

    table = page.get_by_role("table", name="Account activity")
    expect(table).to_contain_text(
        "A member of the support team viewed your request 5 times between 19:10 and 19:12 GMT "
        f"while working on request {REFERENCE}."
    )
    expect(table).to_contain_text(
        "Our privacy officer viewed your account and profile 3 times between 19:30 and 19:34 GMT."
    )
    expect(table.get_by_role("row")).to_have_count(1 + 50)
    expect(page.get_by_role("link", name="Newer")).to_have_count(0)
    screenshot(page, "1-desktop")
    assert axe_violations(page, sizes=[DESKTOP, PHONE]) == []
    screenshot(page, "2-phone")

    filters = page.get_by_role("navigation", name="Kinds of activity")
    filters.get_by_role("link", name="Staff access").click()
    expect(filters.get_by_role("link", name="Staff access")).to_have_attribute("aria-current", "page")
    expect(table.get_by_role("row")).to_have_count(1 + 2)
    expect(table).not_to_contain_text("Signed in.")
    screenshot(page, "3-phone-staff-access")

    filters.get_by_role("link", name="Sign-ins").click()
    expect(table.get_by_role("row")).to_have_count(1 + 50)
    page.get_by_role("link", name="Older").click()
    expect(filters.get_by_role("link", name="Sign-ins")).to_have_attribute("aria-current", "page")
    expect(table.get_by_role("row")).to_have_count(1 + 12)  # 60 + this sign-in + the failed one, less the first 50
    expect(table).not_to_contain_text("viewed")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "4-desktop-older-sign-ins")
    page.get_by_role("link", name="Newer").click()
    expect(table.get_by_role("row")).to_have_count(1 + 50)
    expect(page.get_by_role("link", name="Newer")).to_have_count(0)
