"""In Chromium: a learner asks for a portable copy, follows its progress on the page, and downloads the ZIP."""

import json
import re
import threading
import zipfile

import pytest
from django.db import connection
from playwright.sync_api import expect

from accounts.models import LearningEvent
from learnerportal.tests.factories import CourseFactory, EnrollmentFactory
from learnerportal.tests.support import sign_in
from rights_requests import portability, progress
from rights_requests.models import RightsRequest
from rights_requests.tasks import process_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVENTS = 1200


@pytest.fixture
def amara(amara):
    """Amara with a full name and a course of ``EVENTS`` learning events."""
    amara.profile.full_name = "Amara Okafor-Mensah"
    amara.profile.save()
    course = CourseFactory(title="Data Ethics")
    EnrollmentFactory(user=amara, course=course)
    LearningEvent.objects.bulk_create(
        LearningEvent(user=amara, course=course, event_type=LearningEvent.EventType.VIDEO_PLAYED) for _ in range(EVENTS)
    )
    return amara


@pytest.fixture
def paused_worker(settings, monkeypatch):
    """A task worker that stops half-way through the learning events until ``resume`` is set.

    (They are written by PostgreSQL, a quarter of them at a time: it stops after two quarters.)

    Tasks are only queued (the dummy backend); ``run(request_id)`` carries one out in a
    thread, as the real worker would beside the web server.
    """
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(progress, "REPORT_EVERY", 0)
    resume = threading.Event()
    real_lines = portability.portable_lines

    def lines(dataset, subject, **options):
        if dataset.declaration.model is not LearningEvent:
            return real_lines(dataset, subject, **options)
        chunks = real_lines(dataset, subject, **options, chunk_size=EVENTS // 4)  # PostgreSQL writes this kind

        def paused():
            for number, chunk in enumerate(chunks):
                if number == 2:
                    resume.wait(timeout=60)
                yield chunk

        return paused()

    monkeypatch.setattr(portability, "portable_lines", lines)
    threads = []

    def run(request_id):
        def work():
            try:
                process_request.call(request_id=str(request_id))
            finally:
                connection.close()

        thread = threading.Thread(target=work)
        thread.start()
        threads.append(thread)

    yield run, resume
    resume.set()
    for thread in threads:
        thread.join(timeout=30)


def test_learner_follows_the_progress_of_a_portable_copy_and_downloads_it(
    live_server, browser, screenshot, amara, paused_worker, tmp_path
):
    run, resume = paused_worker
    page = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True).new_page()
    sign_in(page, f"{live_server.url}/accounts/login/", "amara")
    page.goto(f"{live_server.url}/settings/data/")
    page.get_by_role("link", name="Ask for a portable copy").click()
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("status")).to_contain_text("We received your request DSR-")
    expect(page.get_by_role("heading", name="Preparing your portable copy")).to_be_visible()
    expect(page.get_by_text("Waiting to start")).to_be_visible()

    run(RightsRequest.objects.get(subject=amara, type="portability").pk)
    # The page updates by itself: no reload by the learner.
    under_way = re.compile(r"^[1-9]\d? % done: \d+ of \d+")
    expect(page.get_by_text("records written")).to_have_text(under_way, timeout=15_000)
    percent = int(page.get_by_role("progressbar").get_attribute("value"))
    assert 0 < percent < 100
    screenshot(page, "1-progress")

    page.evaluate("window.sameDocument = true")
    resume.set()
    download_link = page.get_by_role("link", name="Download your portable copy (ZIP)")
    expect(download_link).to_be_visible(timeout=15_000)
    # "Ready" is said by a polite live region, in the same page: no reload, focus not taken.
    expect(page.locator("[aria-live=polite]").filter(has_text="Your portable copy is ready.")).to_have_count(1)
    assert page.evaluate("window.sameDocument"), "the page was not loaded again"
    expect(page.get_by_text("Preparing your portable copy")).to_have_count(0)
    screenshot(page, "2-ready")
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    path = tmp_path / "copy.zip"
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        activity = json.loads(archive.read("learning_activity.json"))
    assert len(activity) == EVENTS
    assert {entry["records"] for entry in manifest["files"]} >= {"account", "profile", "learning_activity"}
