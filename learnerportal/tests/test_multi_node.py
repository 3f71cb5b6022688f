"""Several hosts at once: two web nodes and two task workers sharing PostgreSQL, Redis and the S3 server.

The module starts two gunicorn processes on two free ports of 127.0.0.1 and two
``rights_requests_worker`` processes, all with the production settings
(``learnerportal.tests.node_settings``: only the cache's key prefix and static files differ),
the test database, this test run's Redis database and key prefix, and the session's S3 bucket.
A learner signs in and files a request on node A and downloads the export on node B;
the API's limit counts requests to both nodes; a worker killed mid-export leaves the work to the other.
Every wait has a deadline; every process is stopped at the end, failures included.
"""

import contextlib
import datetime
import http.cookiejar
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from learnerportal.tests.factories import PASSWORD, UserFactory
from learnerportal.tests.support import make_token, subprocess_database_url, table_locked, waiting_for
from rights_requests import services
from rights_requests.models import RequestEvent, RequestFile, RightsRequest, Status

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(settings.BASE_DIR)
#: Upper bound, in seconds, of every wait on the processes; reached only when something is broken.
PATIENCE = 30
#: The API's limit per user on the nodes (API_THROTTLE_USER_RATE).
RATE = 6
WORKERS = ("worker-a", "worker-b")
PROCESS_REQUEST = "rights_requests.tasks.process_request"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(condition, what, patience=PATIENCE):
    deadline = time.monotonic() + patience
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up waiting for {what}.")
        time.sleep(0.1)


def _stop(process):
    """Stop ``process``: SIGTERM, then SIGKILL if it has not exited within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class Cluster:
    """Two gunicorn nodes (``node_a``, ``node_b``: base URLs) and two task workers (``workers``: id → process)."""

    def __init__(self, environment):
        self.environment = environment
        self.nodes = []
        self.workers = {}

    def start_node(self):
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn, fixed arguments
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "learnerportal.wsgi",
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"),
                *("--log-level", "warning"),
            ],
            cwd=BASE_DIR,  # where gunicorn.conf.py is
            env=self.environment,
            stdout=subprocess.DEVNULL,
        )
        self.nodes.append(process)
        return f"http://127.0.0.1:{port}"

    def start_worker(self, worker_id):
        self.workers[worker_id] = subprocess.Popen(  # noqa: S603 - this interpreter and manage.py, fixed arguments
            [
                *(sys.executable, str(BASE_DIR / "manage.py"), "rights_requests_worker"),
                *("--worker-id", worker_id, "--no-startup-delay", "--interval", "0.2"),
            ],
            cwd=BASE_DIR,
            env=self.environment,
            stdout=subprocess.DEVNULL,
        )

    def manage(self, *arguments):
        """Run ``manage.py <arguments>`` as an operator's cron would, with the nodes' settings; wait for it."""
        subprocess.run(  # noqa: S603 - this interpreter and manage.py, fixed arguments
            [sys.executable, str(BASE_DIR / "manage.py"), *arguments],
            cwd=BASE_DIR,
            env=self.environment,
            stdout=subprocess.DEVNULL,
            timeout=PATIENCE,
            check=True,
        )

    def stop(self):
        for process in [*self.workers.values(), *self.nodes]:
            with contextlib.suppress(Exception):
                _stop(process)


def _healthy(process, url):
    assert process.poll() is None, f"the node at {url} exited at start (exit {process.returncode})"
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:  # noqa: S310 - http://127.0.0.1 only
            return answer.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def cluster(django_db_setup, s3_session_bucket):
    """Start the two nodes and two workers against the test database; stop them all at the end."""
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "learnerportal.tests.node_settings",
        "DJANGO_SECRET_KEY": "test-only-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CONN_MAX_AGE": "0",
        "PORTAL_ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "PORTAL_BASE_URL": "http://127.0.0.1",
        "DATABASE_URL": subprocess_database_url(),
        # This worker's Redis database (test_settings), and this run's key prefix (node_settings).
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "LEARNERPORTAL_TEST_CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "API_THROTTLE_USER_RATE": f"{RATE}/minute",
        "RIGHTS_REQUESTS_RETRY_BACKOFF_SECONDS": "1",
        **s3_session_bucket.environment(),
    }
    for name in ("DJANGO_DEBUG", "DJANGO_MEDIA_ROOT"):
        environment.pop(name, None)
    nodes = Cluster(environment)
    try:
        nodes.node_a, nodes.node_b = nodes.start_node(), nodes.start_node()
        for worker_id in WORKERS:
            nodes.start_worker(worker_id)
        for process, url in zip(nodes.nodes, (nodes.node_a, nodes.node_b), strict=True):
            _wait_for(lambda process=process, url=url: _healthy(process, url), f"{url}/healthz to answer 200")
        yield nodes
    finally:
        nodes.stop()


@pytest.fixture
def nodes(cluster, s3_bucket):
    """Return the cluster, its two workers running (one a test killed is started again), the bucket emptied."""
    for worker_id, process in cluster.workers.items():
        if process.poll() is not None:
            cluster.start_worker(worker_id)
    return cluster


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # answer the 302 itself: the test reads its Location


class Browser:
    """A learner's browser: one cookie jar (cookies name a host, not a port, so both nodes get them), no redirects."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _KeepRedirects)

    def request(self, url, form=None):
        """GET ``url``, or POST ``form`` (a dict) to it; return ``(status, headers, body bytes)``."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(url, data=data, timeout=PATIENCE) as answer:
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers, answer.read()

    def submit(self, url, **fields):
        """GET the page at ``url`` and POST its form back with ``fields`` filled in (and its CSRF token)."""
        status, _, page = self.request(url)
        assert status == 200, f"GET {url} answered {status}"
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1].decode()
        return self.request(url, {"csrfmiddlewaretoken": token, **fields})


def _learner(username):
    """A learner whose password the nodes can check: hashed with Argon2, which production settings accept."""
    learner = UserFactory(username=username)
    hasher = Argon2PasswordHasher()
    learner.password = hasher.encode(PASSWORD, hasher.salt())
    learner.save(update_fields=["password"])
    return learner


def test_a_learner_files_on_node_a_and_downloads_the_export_on_node_b(nodes, s3_bucket):
    _learner("ines")
    browser = Browser()

    status, headers, _ = browser.submit(f"{nodes.node_a}/accounts/login/", username="ines", password=PASSWORD)
    assert status == 302, "signed in on node A"
    status, headers, _ = browser.submit(f"{nodes.node_a}/settings/data/new/portability/")
    assert status == 302
    request_id = re.fullmatch(r"/settings/data/([0-9a-f-]+)/", headers["Location"])[1]

    _wait_for(
        lambda: RightsRequest.objects.filter(pk=request_id, status=Status.COMPLETED).exists(),
        "a worker to export the request",
    )
    status, headers, body = browser.request(f"{nodes.node_b}/settings/data/{request_id}/download/")

    assert status == 200, "node B knows the session started on node A"
    assert body[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None, "a whole ZIP"
        assert archive.namelist()
    [stored] = RequestFile.objects.filter(request_id=request_id)
    assert s3_bucket.object_keys() == {stored.storage_name}
    in_bucket = s3_bucket.read(stored.storage_name)
    assert not in_bucket.startswith(b"PK") and b"ines" not in in_bucket, "the bucket holds ciphertext"


def _api_call(node, token):
    """Return the status of one API request to ``node`` with ``token``; a 429 must say when to retry."""
    address = f"{node}/api/v1/me/profile/"
    request = urllib.request.Request(address, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 - ours
    try:
        with urllib.request.urlopen(request, timeout=PATIENCE) as answer:  # noqa: S310 - http://127.0.0.1 only
            return answer.status
    except urllib.error.HTTPError as answer:
        assert answer.headers["Retry-After"] and json.loads(answer.read())["code"] == "throttled"
        return answer.code


def test_the_api_limit_counts_the_requests_sent_to_both_nodes(nodes):
    token = make_token(_learner("tomas"))

    spent = [_api_call(nodes.node_a if number % 2 else nodes.node_b, token) for number in range(RATE)]

    assert spent == [200] * RATE, "each node alone is under the limit"
    assert [_api_call(nodes.node_a, token), _api_call(nodes.node_b, token)] == [429, 429]


def test_a_burst_sent_at_once_to_both_nodes_gets_exactly_the_limit(nodes):
    """Counts are atomic across hosts: requests arriving together cannot all read the same count."""
    token = make_token(_learner("bursty"))

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(
            pool.map(lambda number: _api_call(nodes.node_a if number % 2 else nodes.node_b, token), range(4 * RATE))
        )

    assert sorted(answers) == [200] * RATE + [429] * (3 * RATE)


def test_a_worker_killed_mid_export_leaves_the_work_to_the_other_which_completes_it_once(nodes, s3_bucket):
    learner = _learner("wanjiru")
    # The export waits part-way at a table the test locks, so the kill lands mid-export.
    lock = table_locked("accounts_payment")
    try:
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
            request = services.request_submit(actor=learner, subject=learner, request_type="portability")
        _wait_for(lambda: waiting_for(lock, "accounts_payment") >= 1, "a worker to reach the locked table")
        [run] = DBTaskResult.objects.running().filter(task_path=PROCESS_REQUEST)
        [killed] = run.worker_ids
        [survivor] = set(WORKERS) - {killed}
        nodes.workers[killed].send_signal(signal.SIGKILL)
        nodes.workers[killed].wait(timeout=PATIENCE)
    finally:
        lock.rollback()
        lock.close()
    request.refresh_from_db()
    assert request.status == Status.PROCESSING, "stranded until its lease runs out"

    # The lease runs out (moved back rather than waited for); recovery, as cron runs it, queues the work again.
    RightsRequest.objects.filter(pk=request.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    nodes.manage("rights_requests_recover")
    _wait_for(
        lambda: RightsRequest.objects.filter(pk=request.pk, status=Status.COMPLETED).exists(),
        "the other worker to complete the export",
    )

    assert nodes.workers[survivor].poll() is None
    actions = list(request.events.values_list("action", flat=True))
    assert actions.count(RequestEvent.Action.COMPLETED) == 1
    assert actions.count(RequestEvent.Action.REQUEUED) == 1
    [stored] = RequestFile.objects.filter(request=request)
    assert s3_bucket.object_keys() == {stored.storage_name}
    runs = DBTaskResult.objects.filter(task_path=PROCESS_REQUEST).order_by("enqueued_at")
    # The worker records its run as done after the task returned, a moment after the request completed.
    _wait_for(lambda: runs.filter(status="SUCCESSFUL").exists(), "the other worker to record its run as done")
    assert [(run.status, run.worker_ids) for run in runs] == [("FAILED", [killed]), ("SUCCESSFUL", [survivor])]
