"""Downloads through gunicorn run with the project's ``gunicorn.conf.py``: a slow client gets the whole file.

Gunicorn is started against the test database with a 2-second worker timeout and one
thread (so that requests are served one after another), on 127.0.0.1 only.
"""

import hashlib
import http.client
import io
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from compliance.models import AuditEvent
from learnerportal.tests.support import make_token
from rights_requests.files import request_file_store
from rights_requests.models import RequestFile

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(settings.BASE_DIR)
#: Far more than the loopback socket buffers hold (4 MiB at most here), so the server must wait for the reader.
SIZE = 24 * 1024 * 1024
READ = 64 * 1024


@pytest.fixture
def server():
    """Start gunicorn with the production settings on a free port of 127.0.0.1; yield the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="learnerportal.settings",
        DJANGO_SECRET_KEY="test-only-secret-key",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_CONN_MAX_AGE="0",
        DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PORTAL_ENCRYPTION_KEYS=",".join(settings.ENCRYPTION_KEYS),
        DATABASE_URL="postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
    )
    env.pop("DJANGO_DEBUG", None)
    process = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn, fixed arguments
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "learnerportal.wsgi",
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "1", "--timeout", "2"),
            *("--log-level", "warning"),
        ],
        cwd=BASE_DIR,  # where gunicorn.conf.py is
        env=env,
    )
    try:
        for _attempt in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "gunicorn exited"
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def big_report(make_request):
    """A completed access request whose stored file is ``SIZE`` bytes; returns ``(request, sha256 of the content)``."""
    content = random.Random(16).randbytes(SIZE)
    done = make_request("access", status="completed")
    request_file_store(request=done, kind=RequestFile.Kind.ACCESS_REPORT, source=io.BytesIO(content))
    return done, hashlib.sha256(content).hexdigest()


def start_download(port, request, token):
    """Send the API's download request with a small receive buffer; return ``(connection, response)``."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, READ)
    sock.settimeout(15)
    sock.connect(("127.0.0.1", port))
    client = http.client.HTTPConnection("127.0.0.1", port)
    client.sock = sock
    client.request("GET", f"/api/v1/me/requests/{request.pk}/download/", headers={"Authorization": f"Bearer {token}"})
    return client, client.getresponse()


def read_all(response, pause):
    """Return the sha256 of the body read ``READ`` bytes at a time, ``pause`` seconds apart, or None if cut off."""
    digest = hashlib.sha256()
    try:
        while chunk := response.read(READ):
            digest.update(chunk)
            time.sleep(pause)
    except http.client.IncompleteRead:
        return None
    return digest.hexdigest()


def downloads_of(request):
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT_DOWNLOADED, changes__request=request.reference
    ).values_list("request_id", flat=True)


def test_a_slow_client_downloads_a_large_file_whole_past_the_worker_timeout(server, big_report, learner):
    request, expected = big_report
    client, response = start_download(server, request, make_token(learner))

    # About 4 MB/s: the body takes several times the 2-second worker timeout to read.
    received = read_all(response, pause=0.015)
    client.close()

    assert response.status == 200
    assert received == expected, "the whole file, not cut off at the worker timeout"
    [request_id] = downloads_of(request)
    assert request_id, "the audit row keeps the HTTP request's id though written after the view returned"


def test_a_download_the_client_gives_up_on_is_not_audited(server, big_report, learner):
    request, expected = big_report
    token = make_token(learner)
    client, response = start_download(server, request, token)
    assert response.status == 200
    response.read(4 * READ)
    client.close()  # unread data: the connection is reset

    # One thread: this download starts only once the abandoned one has ended on the server.
    client, response = start_download(server, request, token)
    assert read_all(response, pause=0) == expected
    client.close()

    assert len(downloads_of(request)) == 1, "only the finished download is recorded"
