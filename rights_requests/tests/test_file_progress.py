"""Preparing a file (access report, portable copy): progress the learner can follow, nothing left by a failure."""

import datetime
import io
import os
import time

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from compliance.models import AuditEvent
from learnerportal.tests.factories import UserFactory
from rights_requests import files, leases, portability, services
from rights_requests.models import RequestFile, Status
from rights_requests.portability import portable_export_file
from rights_requests.progress import Progress
from rights_requests.reports import access_report_file

pytestmark = pytest.mark.django_db


def stored_request_files():
    folder = os.path.join(settings.MEDIA_ROOT, "rights-requests")
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def test_the_learner_sees_a_queued_copy_waiting_then_how_far_it_got(client, busy_learner):
    request = services.request_submit(actor=busy_learner, subject=busy_learner, request_type="portability")
    client.force_login(busy_learner)
    url = reverse("rights_requests:detail", args=[request.pk])

    waiting = client.get(url)
    assert "Preparing your portable copy" in waiting.text
    assert "Waiting to start" in waiting.text

    leases.request_start(request=request)
    leases.request_progress_report(request=request, done=420, total=1000)
    working = client.get(url)
    assert "42 % done: 420 of 1000 records written." in working.text
    assert '<progress max="100" value="42"' in working.text
    assert "js/refresh.js" in working.text, "the page follows the work by itself"


@pytest.mark.parametrize("build", [portable_export_file, access_report_file], ids=["portable copy", "report"])
def test_progress_counts_every_row_from_zero_to_the_total(busy_learner, build):
    reports = []

    build(busy_learner, progress=Progress(lambda done, total: reports.append((done, total)), interval=0)).close()

    total = reports[0][1]
    assert reports[0] == (0, total)
    assert reports[-1] == (total, total)
    assert total >= 31, "the enrollment and 30 learning events at least"
    dones = [done for done, _ in reports]
    assert dones == sorted(dones), "never goes backwards"
    assert len(reports) > 3, "reported along the way, not only at the ends"


def test_the_finished_copy_says_every_record_was_written_and_offers_the_download(
    client, busy_learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=busy_learner, subject=busy_learner, request_type="portability")
    request.refresh_from_db()
    client.force_login(busy_learner)

    page = client.get(reverse("rights_requests:detail", args=[request.pk]))

    assert request.status == Status.COMPLETED
    assert request.progress_total >= 31 and request.progress_done == request.progress_total
    assert "Preparing your" not in page.text
    assert "Download your portable copy (ZIP)" in page.text


def test_a_copy_failing_half_way_leaves_no_file_and_the_request_failed(
    busy_learner, monkeypatch, django_capture_on_commit_callbacks
):
    real_rows = portability.dataset_rows

    def rows_then_failure(dataset, subject):
        yield from list(real_rows(dataset, subject))[:1]
        raise ConnectionError("the database went away")

    monkeypatch.setattr(portability, "dataset_rows", rows_then_failure)
    before = stored_request_files()

    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=busy_learner, subject=busy_learner, request_type="portability")
    request.refresh_from_db()

    assert request.status == Status.FAILED
    assert not RequestFile.objects.filter(request=request).exists()
    assert stored_request_files() == before, "no half-written file left in storage"
    assert busy_learner.learning_events.count() == 30


@pytest.fixture
def finished_copy(busy_learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=busy_learner, subject=busy_learner, request_type="portability")
    return request


def test_only_the_owner_downloads_the_copy_not_even_staff(client, finished_copy, agent, officer, verified_login):
    url = reverse("rights_requests:download", args=[finished_copy.pk])

    assert client.get(url).status_code == 302  # anonymous: to sign in
    for staff in (agent, officer):
        verified_login(client, staff)
        assert client.get(url).status_code == 404, "staff work the request in admin, they never download it"
    client.force_login(finished_copy.subject)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_the_daily_purge_deletes_expired_files_nobody_came_back_for(finished_copy):
    request_file = RequestFile.objects.get(request=finished_copy)
    name = request_file.storage_name
    out = io.StringIO()

    call_command("rights_requests_purge_files", stdout=out)
    assert default_storage.exists(name), "still in its download period"
    with time_machine.travel(request_file.expires_at + datetime.timedelta(minutes=1)):
        call_command("rights_requests_purge_files", stdout=out)

    assert not default_storage.exists(name)
    request_file.refresh_from_db()
    assert request_file.storage_name == ""
    assert "Deleted 0 expired file(s)" in out.getvalue() and "Deleted 1 expired file(s)" in out.getvalue()


def test_the_daily_purge_deletes_a_file_a_killed_worker_stored_but_never_recorded(finished_copy):
    recorded = RequestFile.objects.get(request=finished_copy).storage_name
    # What a worker killed between storing its file and recording it leaves (request_file_store).
    left_behind = default_storage.save("rights-requests/0123456789abcdef0123456789abcdef.bin", io.BytesIO(b"x" * 64))
    stored_at = time.time()  # the portal's clock, which a test may have moved, not the file system's
    os.utime(default_storage.path(left_behind), (stored_at, stored_at))
    out = io.StringIO()

    call_command("rights_requests_purge_files", stdout=out)
    assert default_storage.exists(left_behind), "it may be a file being recorded right now"
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        call_command("rights_requests_purge_files", stdout=out)

    assert not default_storage.exists(left_behind)
    assert default_storage.exists(recorded), "a recorded file keeps its seven days"
    assert "and 1 left behind by a stopped worker." in out.getvalue()


def flip_a_byte(name, at):
    with default_storage.open(name, "rb") as stored:
        content = bytearray(stored.read())
    content[at] ^= 0x01
    with open(default_storage.path(name), "wb") as stored:
        stored.write(content)


@pytest.mark.parametrize("damage", ["missing", "tampered"])
def test_a_missing_or_damaged_file_answers_503_is_kept_and_staff_are_alerted_once(
    client, finished_copy, officer, damage, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    request_file = RequestFile.objects.get(request=finished_copy)
    name = request_file.storage_name
    with default_storage.open(name, "rb") as stored:
        original = stored.read()
    if damage == "tampered":
        flip_a_byte(name, at=len(files.HEADER) + 40)
    else:  # e.g. the database restored before the media folder
        default_storage.delete(name)
    learner = finished_copy.subject
    client.force_login(learner)
    url = reverse("rights_requests:download", args=[finished_copy.pk])

    with override_settings(ADMINS=["ops@example.org"]), django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
        again = client.get(url)
    detail = client.get(reverse("rights_requests:detail", args=[finished_copy.pk]))

    assert response.status_code == again.status_code == 503
    assert not response.streaming, "a page that explains, not a file"
    assert "Your file is temporarily unavailable" in response.text and "Nothing is lost" in response.text
    assert "Your file is temporarily unavailable" in detail.text
    request_file.refresh_from_db()
    assert request_file.storage_name == name, "the reference is kept"
    assert request_file.unavailable_since is not None
    [alert] = [mail for mail in mailoutbox if mail.to == [officer.email]]  # once, not once per attempt
    assert finished_copy.reference in alert.subject and str(request_file.pk) in alert.body
    [operators] = [mail for mail in mailoutbox if mail.to == ["ops@example.org"]]  # DJANGO_ADMINS
    assert finished_copy.reference in operators.subject
    errors = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert any(finished_copy.reference in line and "503" in line for line in errors)
    for personal in (learner.email, learner.username, learner.profile.full_name):
        assert personal not in alert.subject + alert.body and not any(personal in line for line in errors)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()

    with open(default_storage.path(name), "wb") as restored:  # the media restored from the same backup
        restored.write(original)
    response = client.get(url)

    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    request_file.refresh_from_db()
    assert request_file.unavailable_since is None


@pytest.mark.django_db(transaction=True)  # the alert is sent on commit, inside the learner's request
def test_the_staff_alert_of_a_missing_file_gives_its_end_in_the_platforms_time_not_the_learners(
    client, finished_copy, officer, mailoutbox
):
    """The alert is written while the learner's download is answered, in their time zone: staff read London's."""
    request_file = RequestFile.objects.get(request=finished_copy)
    # 20:00 in London on 7 January is already 8 January in Tokyo.
    ends = datetime.datetime(2027, 1, 7, 20, 0, tzinfo=datetime.UTC)
    # Both times fixed, whatever the clock of the run: a file made a week before it ends.
    RequestFile.objects.filter(pk=request_file.pk).update(created_at=ends - datetime.timedelta(days=7), expires_at=ends)
    default_storage.delete(request_file.storage_name)
    learner = finished_copy.subject
    Profile.objects.filter(user=learner).update(timezone="Asia/Tokyo")

    with time_machine.travel(ends - datetime.timedelta(days=1), tick=False):
        client.force_login(learner)
        assert client.get(reverse("rights_requests:download", args=[finished_copy.pk])).status_code == 503

    [alert] = [mail for mail in mailoutbox if mail.to == [officer.email]]
    assert "(7 Jan 2027, 20:00 GMT)" in alert.body, alert.body
    assert "8 Jan" not in alert.body


def test_another_learners_file_put_in_place_of_this_one_is_refused_not_sent(
    client, finished_copy, django_capture_on_commit_callbacks
):
    kwame = UserFactory(username="kwame", email="kwame@example.org")
    kwame.profile.full_name = "Kwame Mensah"
    kwame.profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        theirs = services.request_submit(actor=kwame, subject=kwame, request_type="portability")
    mine = RequestFile.objects.get(request=finished_copy)
    with default_storage.open(RequestFile.objects.get(request=theirs).storage_name, "rb") as stored:
        their_file = stored.read()
    with open(default_storage.path(mine.storage_name), "wb") as stored:  # e.g. a restore that mixed up names
        stored.write(their_file)
    client.force_login(finished_copy.subject)

    response = client.get(reverse("rights_requests:download", args=[finished_copy.pk]))

    assert response.status_code == 503 and not response.streaming
    assert "Kwame" not in response.text and "kwame@example.org" not in response.text


def test_the_admin_queue_shows_the_requests_whose_file_is_unavailable(
    client, finished_copy, officer, verified_login, django_capture_on_commit_callbacks
):
    request_file = RequestFile.objects.get(request=finished_copy)
    default_storage.delete(request_file.storage_name)
    client.force_login(finished_copy.subject)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("rights_requests:download", args=[finished_copy.pk]))
    verified_login(client, officer)
    changelist = reverse("admin:rights_requests_rightsrequest_changelist")

    unavailable = client.get(changelist, {"file": "unavailable"})
    page = client.get(reverse("admin:rights_requests_rightsrequest_change", args=[finished_copy.pk]))

    assert finished_copy.reference in unavailable.text
    assert "Unavailable since" in page.text
    RequestFile.objects.filter(pk=request_file.pk).update(unavailable_since=None)
    assert finished_copy.reference not in client.get(changelist, {"file": "unavailable"}).text


def test_a_file_damaged_after_its_first_segment_is_still_refused_whole(
    client, finished_copy, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(files, "SEGMENT_SIZE", 64)  # the copy spans many segments
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(
            actor=finished_copy.subject, subject=finished_copy.subject, request_type="access"
        )
    request_file = RequestFile.objects.get(request=request)
    with default_storage.open(request_file.storage_name, "rb") as stored:
        size = len(stored.read())
    flip_a_byte(request_file.storage_name, at=size - 30)  # in the last segment
    client.force_login(finished_copy.subject)

    response = client.get(reverse("rights_requests:download", args=[request.pk]))

    assert response.status_code == 503 and not response.streaming


def test_a_head_request_is_not_a_download(client, finished_copy):
    client.force_login(finished_copy.subject)
    response = client.head(reverse("rights_requests:download", args=[finished_copy.pk]))

    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()


def test_after_expiry_the_request_page_says_the_file_is_gone_and_how_to_get_a_new_one(client, finished_copy):
    request_file = RequestFile.objects.get(request=finished_copy)
    client.force_login(finished_copy.subject)

    with time_machine.travel(request_file.expires_at + datetime.timedelta(minutes=1)):
        call_command("rights_requests_purge_files", stdout=io.StringIO())
        page = client.get(reverse("rights_requests:detail", args=[finished_copy.pk]))

    assert "when its download period ended" in page.text
    assert "Ask for a new copy" in page.text
    assert "Download your portable copy" not in page.text
