"""The real task worker, run as a subprocess: killed mid-export, and cut off from the database."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from learnerportal.tests.factories import UserFactory
from learnerportal.tests.support import raw_connection, table_locked, waiting_for
from rights_requests import services
from rights_requests.models import RequestEvent, RequestFile, RightsRequest, Status

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MANAGE = Path(settings.BASE_DIR) / "manage.py"
#: Upper bound for waits on the worker; reached only when something is broken.
PATIENCE = 120


def _database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(*arguments):
    """Start ``manage.py <arguments>`` against the test database, with the database task backend."""
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "rights_requests.tests.worker_settings",
        "DATABASE_URL": _database_url(),
        "LEARNERPORTAL_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    return subprocess.Popen(  # noqa: S603 - fixed arguments, this interpreter and manage.py
        [sys.executable, str(MANAGE), *arguments, "--no-reload", "--no-startup-delay", "--interval", "0.2"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition, what):
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up waiting for {what}.")
        time.sleep(0.1)


def _submit_portability(learner):
    with override_settings(TASKS=DATABASE_TASKS):
        return services.request_submit(actor=learner, subject=learner, request_type="portability")


def test_a_worker_killed_mid_export_leaves_work_that_another_worker_completes_exactly_once(learner, client):
    request = _submit_portability(learner)
    # Hold the export back part-way (it waits for a table the test locks), so the kill lands mid-export.
    lock = table_locked("accounts_payment")
    first = _worker("rights_requests_worker")
    try:
        _wait_for(lambda: waiting_for(lock, "accounts_payment"), "the export to reach the locked table")
        request.refresh_from_db()
        assert request.status == Status.PROCESSING
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=PATIENCE)
    finally:
        first.kill()
        lock.rollback()
        lock.close()
    request.refresh_from_db()
    assert request.status == Status.PROCESSING  # stranded, until its lease runs out
    assert DBTaskResult.objects.running().count() == 1

    # The lease the killed worker took runs out (the test moves it back instead of waiting).
    RightsRequest.objects.filter(pk=request.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    second = _worker("rights_requests_worker", "--batch")
    assert second.wait(timeout=PATIENCE) == 0

    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    actions = list(request.events.values_list("action", flat=True))
    assert actions.count(RequestEvent.Action.COMPLETED) == 1
    assert actions.count(RequestEvent.Action.REQUEUED) == 1
    assert RequestFile.objects.filter(request=request).count() == 1
    runs = DBTaskResult.objects.filter(task_path="rights_requests.tasks.process_request").order_by("enqueued_at")
    assert [run.status for run in runs] == ["FAILED", "SUCCESSFUL"]
    assert runs[0].exception_class_path == "rights_requests.tasks.WorkerLost"

    client.force_login(learner)
    download = client.get(reverse("rights_requests:download", args=[request.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # a whole ZIP, not a cut-off one


def test_the_worker_rides_out_a_lost_database_connection_and_carries_on(learner):
    worker = _worker("rights_requests_worker")
    watcher = raw_connection()
    watcher.autocommit = True
    try:
        # The worker's own connections, once it polls for tasks.
        def worker_backends():
            with watcher.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND application_name = '' AND backend_type = 'client backend' AND pid NOT IN %s",
                    [tuple(own_backends) or (0,)],
                )
                return [pid for (pid,) in cursor.fetchall()]

        own_backends = set()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            own_backends.add(cursor.fetchone()[0])
        _wait_for(worker_backends, "the worker to connect")
        with watcher.cursor() as cursor:
            for pid in worker_backends():
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

        request = _submit_portability(learner)
        _wait_for(
            lambda: RightsRequest.objects.filter(pk=request.pk, status=Status.COMPLETED).exists(),
            "the request to be completed after the connection came back",
        )
        assert worker.poll() is None, "the worker is still running"
    finally:
        worker.terminate()
        worker.wait(timeout=PATIENCE)
        watcher.close()


def test_two_workers_share_the_queue_and_never_run_one_task_twice():
    requests = [_submit_portability(UserFactory()) for _ in range(8)]
    # Both workers take an export and wait at a table the test locks: they are provably at work at once.
    lock = table_locked("accounts_payment")
    workers = [_worker("rights_requests_worker", "--batch") for _ in range(2)]
    try:
        _wait_for(lambda: waiting_for(lock, "accounts_payment") >= 2, "both workers to take an export")
    finally:
        lock.rollback()
        lock.close()
    assert [worker.wait(timeout=PATIENCE) for worker in workers] == [0, 0]

    for request in requests:
        request.refresh_from_db()
        assert request.status == Status.COMPLETED
        assert list(request.events.values_list("action", flat=True)).count(RequestEvent.Action.COMPLETED) == 1
        assert RequestFile.objects.filter(request=request).count() == 1
    runs = DBTaskResult.objects.filter(task_path="rights_requests.tasks.process_request")
    assert runs.count() == len(requests) and {run.status for run in runs} == {"SUCCESSFUL"}
    assert all(len(run.worker_ids) == 1 for run in runs), "each export was run by one worker, once"
    assert len({run.worker_ids[0] for run in runs}) == 2, "both workers took a share"
