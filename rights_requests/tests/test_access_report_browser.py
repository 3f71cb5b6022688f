"""In Chromium: the access report reads on a 360 px phone, its contents lead to each section, no axe violation."""

import io

import pytest
from playwright.sync_api import expect

from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, LearningEventFactory
from rights_requests import services
from rights_requests.reports import access_report_write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_report_fits_a_phone_its_tables_scroll_in_their_own_box(learner, page, screenshot, axe_violations):
    course = CourseFactory(title="Quantum Basics for Everyone")
    EnrollmentFactory(user=learner, course=course, progress_percent=73)
    LearningEventFactory.create_batch(3, user=learner, course=course)
    services.request_submit(actor=learner, subject=learner, request_type="restriction", details={"reason": "Wrong."})
    out = io.StringIO()
    access_report_write(learner, out)

    page.set_viewport_size({"width": 360, "height": 740})
    page.set_content(out.getvalue())

    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("heading", name="Your data at Learner Portal")).to_be_visible()
    widest_table = page.evaluate("Math.max(...[...document.querySelectorAll('table')].map(t => t.scrollWidth))")
    assert widest_table > 360, "some tables are wider than the phone: they scroll inside their box"
    labels = page.evaluate("[...document.querySelectorAll('[role=region]')].map(r => r.getAttribute('aria-label'))")
    assert len(labels) == len(set(labels)), "each scrolling table is a region a screen reader can tell apart"
    screenshot(page, "report-360")
    page.get_by_role("navigation", name="Contents").get_by_role("link", name="Your learning activity").click()
    expect(page.get_by_role("heading", name="Your learning activity")).to_be_in_viewport()
    screenshot(page, "report-360-learning-activity")
    assert axe_violations(page, sizes=[{"width": 360, "height": 740}, {"width": 1280, "height": 900}]) == []
