"""Work that stops or fails never strands a request: recovery, bounded retries, failures anyone can act on."""

import datetime
import io
import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from learnerportal.encryption import KeyMissing
from rights_requests import conf, services, tasks
from rights_requests.exceptions import EmailNotSent
from rights_requests.handlers import handler_for
from rights_requests.models import RequestEvent, RequestFile, RightsRequest, Status
from rights_requests.tasks import process_request, send_request_email

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

pytestmark = pytest.mark.django_db


def lapse(request):
    """Move the request's lease into the past, as if its worker had died that long ago."""
    RightsRequest.objects.filter(pk=request.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))


def recover():
    call_command("rights_requests_recover", stdout=io.StringIO())


def stranded(make_request):
    """A portable copy whose worker was killed mid-export: processing, its lease run out."""
    request = make_request(request_type="portability", status="processing")
    lapse(request)
    return request


def test_recovery_queues_stranded_work_again_and_it_completes(make_request, django_capture_on_commit_callbacks):
    request = stranded(make_request)

    with django_capture_on_commit_callbacks(execute=True):
        recover()

    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert list(request.events.values_list("action", flat=True)) == ["requeued", "processing", "completed"]
    assert request.files.count() == 1


def test_work_interrupted_too_often_fails_with_the_reason_and_staff_are_told(
    make_request, officer, django_capture_on_commit_callbacks
):
    request = stranded(make_request)
    for attempt in range(conf.MAX_RETRIES):
        # Each retry is queued (and lost again: nothing runs the queued task here).
        recover()
        request.refresh_from_db()
        assert (request.status, request.attempts) == (Status.APPROVED, attempt + 1)
        lapse(request)

    with django_capture_on_commit_callbacks(execute=True):
        recover()

    request.refresh_from_db()
    assert request.status == Status.FAILED
    failure = request.events.get(action=RequestEvent.Action.FAILED)
    assert f"interrupted {conf.MAX_RETRIES + 1} times" in failure.note
    (email,) = mail.outbox
    assert email.to == [officer.email]
    assert request.reference in email.subject
    assert "Retry failed" in email.body

    with django_capture_on_commit_callbacks(execute=True):
        services.request_retry(actor=officer, request=request)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED


def test_retries_wait_longer_each_time(make_request, settings):
    request = stranded(make_request)
    waits = []
    for _ in range(conf.MAX_RETRIES):
        before = timezone.now()
        tasks.request_recover(request=request)
        request.refresh_from_db()
        waits.append(request.lease_expires_at - before - datetime.timedelta(seconds=conf.LEASE_SECONDS))
        lapse(request)
    assert [round(wait.total_seconds() / conf.RETRY_BACKOFF_SECONDS) for wait in waits] == [1, 2, 4]


def test_recovery_leaves_work_whose_lease_is_ahead_alone(make_request):
    request = make_request(request_type="portability", status="processing")
    RightsRequest.objects.filter(pk=request.pk).update(lease_expires_at=timezone.now() + datetime.timedelta(minutes=1))

    recover()

    request.refresh_from_db()
    assert request.status == Status.PROCESSING
    assert not request.events.exists()


def test_a_worker_without_the_current_key_leaves_the_request_to_one_that_has_it(
    make_request, officer, settings, django_capture_on_commit_callbacks
):
    from cryptography.fernet import Fernet

    old_key = settings.ENCRYPTION_KEYS[0]
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]  # a host restarted with the new key
    request = make_request(request_type="access", status="approved", details={"note": "Please hurry."})
    keys = settings.ENCRYPTION_KEYS
    settings.ENCRYPTION_KEYS = [old_key]  # a worker started before the rotation, still running

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(KeyMissing):
        process_request.call(request_id=str(request.pk))

    request.refresh_from_db(fields=["status"])
    assert request.status == Status.APPROVED, "not failed: waiting for a worker that can read it"
    assert mail.outbox == [], "nobody is told of a failure that is not one"
    settings.ENCRYPTION_KEYS = keys  # recovery queues it again; a worker with the key carries it out
    lapse(request)
    with django_capture_on_commit_callbacks(execute=True):
        recover()
    request.refresh_from_db(fields=["status"])
    assert request.status == Status.COMPLETED


def test_a_request_no_worker_can_read_fails_after_its_retries_and_staff_are_told(
    make_request, officer, django_capture_on_commit_callbacks
):
    request = make_request(request_type="rectification", status="approved", details={"changes": {"city": "Leeds"}})
    # Damaged at rest, or written with a key no process has.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE rights_requests_rightsrequest SET details = 'not-a-token' WHERE id = %s", [request.pk])

    for _ in range(conf.MAX_RETRIES + 1):
        with pytest.raises(KeyMissing):
            process_request.call(request_id=str(request.pk))
        lapse(request)
        with django_capture_on_commit_callbacks(execute=True):
            recover()

    assert RightsRequest.objects.filter(pk=request.pk, status=Status.FAILED).exists()
    assert (
        f"interrupted {conf.MAX_RETRIES + 1} times" in RequestEvent.objects.get(request=request, action="failed").note
    )
    assert [email.to for email in mail.outbox] == [[officer.email]]


def test_learner_can_withdraw_a_failed_request_and_ask_again(client, learner, make_request):
    request = make_request(request_type="portability", status="failed")
    client.force_login(learner)

    page = client.get(f"/settings/data/{request.pk}/").content.decode()
    assert "Withdraw this request, then ask again." in page
    api = client.get(f"/api/v1/me/requests/{request.pk}/").json()
    assert api["can_withdraw"] is True

    response = client.post(f"/settings/data/{request.pk}/withdraw/", follow=True)
    assert f"Your request {request.reference} is withdrawn." in response.content.decode()
    again = services.request_submit(actor=learner, subject=learner, request_type="portability")
    assert again.pk != request.pk


def test_learner_is_told_work_being_retried_is_taking_longer(client, learner, make_request):
    request = stranded(make_request)
    tasks.request_recover(request=request)
    client.force_login(learner)

    page = client.get(f"/settings/data/{request.pk}/").content.decode()

    assert "This is taking longer than usual — we are on it." in page


def test_a_rerun_of_an_export_leaves_one_whole_file(learner, make_request, client):
    request = make_request(request_type="portability", status="processing")
    # A first run stored its file, then its worker died before completing the request.
    handler_for("portability").fulfil(request)
    handler_for("portability").fulfil(request)

    assert RequestFile.objects.filter(request=request).count() == 1
    tasks.request_complete(actor=None, request=request, note="Ready.")
    client.force_login(learner)
    download = client.get(f"/settings/data/{request.pk}/download/")
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_each_step_is_emailed_once_and_a_refused_email_is_tried_again(learner, monkeypatch):
    with override_settings(TASKS=DATABASE_TASKS):
        request = services.request_submit(actor=learner, subject=learner, request_type="erasure")
    event = request.events.get(action=RequestEvent.Action.SUBMITTED)
    DBTaskResult.objects.all().delete()

    def refuse(message, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({learner.email: (550, b"mailbox busy")})

    with monkeypatch.context() as patched, override_settings(TASKS=DATABASE_TASKS):
        patched.setattr(EmailMultiAlternatives, "send", refuse)
        with pytest.raises(EmailNotSent) as refused:
            send_request_email.call(event_id=event.pk)
    assert learner.email not in str(refused.value) and refused.value.__cause__ is None, "no address in the task log"
    (retry,) = DBTaskResult.objects.filter(task_path="rights_requests.tasks.send_request_email")
    assert retry.args_kwargs["kwargs"] == {"event_id": event.pk, "attempt": 1}
    assert retry.run_after > timezone.now()
    assert not mail.outbox

    send_request_email.call(event_id=event.pk, attempt=1)
    send_request_email.call(event_id=event.pk, attempt=1)  # the same task run twice

    assert [message.subject for message in mail.outbox] == [f"We received your request {request.reference}"]


def test_an_email_whose_worker_died_while_sending_is_sent_again_once(learner):
    with override_settings(TASKS=DATABASE_TASKS):
        request = services.request_submit(actor=learner, subject=learner, request_type="erasure")
    event = request.events.get(action=RequestEvent.Action.SUBMITTED)
    with override_settings(TASKS=DATABASE_TASKS):
        send_request_email.enqueue(event_id=event.pk)
    (task_row,) = DBTaskResult.objects.filter(task_path="rights_requests.tasks.send_request_email")
    long_ago = timezone.now() - datetime.timedelta(seconds=conf.LEASE_SECONDS + 1)
    DBTaskResult.objects.filter(pk=task_row.pk).update(status="RUNNING", started_at=long_ago)  # its worker was killed

    call_command("rights_requests_recover")
    call_command("rights_requests_recover")  # run again by the next cron or worker: nothing more

    assert [message.subject for message in mail.outbox] == [f"We received your request {request.reference}"]
    task_row.refresh_from_db()
    assert task_row.status == "FAILED"
    event.refresh_from_db()
    assert event.emailed_at is not None


def test_a_worker_with_an_old_key_refuses_to_start_and_fails_no_request(learner, make_request, settings):
    from cryptography.fernet import Fernet
    from django.core.management.base import CommandError

    old_key = settings.ENCRYPTION_KEYS[0]
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]  # the data is written with a newer key
    request = make_request(request_type="access", status="approved", details={"note": "Please hurry."})
    settings.ENCRYPTION_KEYS = [old_key]

    with pytest.raises(CommandError, match="cannot read the stored data"), override_settings(TASKS=DATABASE_TASKS):
        call_command("rights_requests_worker", "--no-reload")

    request.refresh_from_db(fields=["status"])
    assert request.status == Status.APPROVED


def test_work_waiting_for_a_stopped_worker_is_neither_failed_nor_queued_twice(make_request):
    """Workers stopped for an upgrade: the task waits in the queue, and recovery only renews the lease."""
    request = make_request(request_type="access", status="approved")
    with override_settings(TASKS=DATABASE_TASKS):
        process_request.enqueue(request_id=str(request.pk))
    for _ in range(conf.MAX_RETRIES + 2):  # cron runs recovery while no worker takes the task
        lapse(request)
        recover()

    request.refresh_from_db()
    assert request.status == Status.APPROVED and request.attempts == 0
    assert request.lease_expires_at > timezone.now()
    assert not request.events.exists()
    assert DBTaskResult.objects.filter(task_path="rights_requests.tasks.process_request").count() == 1
