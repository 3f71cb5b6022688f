"""Files on S3-compatible storage: photos and data-rights files in a private bucket, served only by the portal.

Run against moto's S3 API server on 127.0.0.1 (``s3_bucket`` in the root conftest), through the
same ``STORAGES`` entry production builds from ``DJANGO_STORAGE_S3_BUCKET``; the rest of the suite
keeps the local directory.
"""

import datetime
import functools
import io
import os
import secrets
import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from learnerportal.tests.factories import UserFactory, image_file, set_audiences
from privacy.models import Audience
from rights_requests import files, services
from rights_requests.models import RequestFile, Status

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def file_for(django_capture_on_commit_callbacks):
    """Return ``make(learner, request_type)``: the learner's request of that type, carried out; its stored file."""

    def make(learner, request_type):
        with django_capture_on_commit_callbacks(execute=True):
            request = services.request_submit(actor=learner, subject=learner, request_type=request_type)
        request.refresh_from_db()
        assert request.status == Status.COMPLETED
        return RequestFile.objects.get(request=request)

    return make


def closed_port_address():
    """Return the address of a port of 127.0.0.1 nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def with_storage_options(settings, **options):
    """Point this test's ``STORAGES["default"]`` (the bucket) elsewhere: ``options`` replace its own."""
    default = settings.STORAGES["default"]
    settings.STORAGES = {**settings.STORAGES, "default": {**default, "OPTIONS": {**default["OPTIONS"], **options}}}


def unsigned_get(bucket, key):
    """GET the object ``key`` from the S3 API as anyone on the network could: no signature. The status."""
    try:
        address = f"{bucket.endpoint_url}/{bucket.name}/{key}"  # http://127.0.0.1:<port>/…
        with urllib.request.urlopen(address, timeout=10) as response:  # noqa: S310 - the test's own server
            return response.status
    except urllib.error.HTTPError as refusal:
        return refusal.code


def upload_photo(client, learner):
    client.force_login(learner)
    photo = SimpleUploadedFile("me.png", image_file("PNG", (60, 40)), content_type="image/png")
    response = client.post("/settings/account/", {"full_name": learner.profile.full_name, "photo": photo})
    assert response.status_code == 302, response.content.decode()
    return Profile.objects.get(user=learner).photo.name


def test_an_uploaded_photo_goes_to_the_bucket_and_only_its_audience_sees_it(s3_bucket, learner):
    key = upload_photo(Client(), learner)
    set_audiences(learner, full_name=Audience.PUBLIC, photo=Audience.LEARNERS)

    assert key.startswith("profile-photos/") and key in s3_bucket.object_keys()
    another_learner = Client()
    another_learner.force_login(UserFactory())
    seen = another_learner.get("/learners/noor/photo/")
    assert seen.status_code == 200 and seen["Content-Type"] == "image/jpeg"
    assert b"".join(seen.streaming_content) == s3_bucket.read(key)
    assert Client().get("/learners/noor/photo/").status_code == 404, "signed out: not in the photo's audience"
    assert Client().get("/api/v1/learners/noor/photo/").status_code == 404


def test_a_photo_while_the_bucket_does_not_answer_is_a_503_on_the_page_and_the_api(s3_bucket, learner, settings):
    upload_photo(Client(), learner)
    set_audiences(learner, full_name=Audience.PUBLIC, photo=Audience.PUBLIC)
    with_storage_options(settings, endpoint_url=closed_port_address())
    client = Client(raise_request_exception=False)

    page, api = client.get("/learners/noor/photo/"), client.get("/api/v1/learners/noor/photo/")

    assert page.status_code == 503 and page["Retry-After"]
    assert api.status_code == 503 and api.json()["code"] == "service_unavailable"


def test_nothing_in_the_bucket_is_readable_without_the_portals_credentials(s3_bucket, learner, busy_learner, file_for):
    photo = upload_photo(Client(), learner)
    copy = file_for(busy_learner, "portability").storage_name

    assert unsigned_get(s3_bucket, photo) == 403
    assert unsigned_get(s3_bucket, copy) == 403
    assert s3_bucket.read(photo)[:2] == b"\xff\xd8", "the portal itself reads it"


@pytest.mark.parametrize(
    "request_type, content_type, looks_like",
    [("access", "text/html; charset=utf-8", b"<!DOCTYPE html>"), ("portability", "application/zip", b"PK\x03\x04")],
)
def test_a_report_or_copy_is_stored_encrypted_and_downloaded_by_its_owner_only(
    s3_bucket, busy_learner, amara, agent, officer, verified_login, file_for, request_type, content_type, looks_like
):
    request_file = file_for(busy_learner, request_type)
    url = reverse("rights_requests:download", args=[request_file.request_id])

    stored = s3_bucket.read(request_file.storage_name)
    assert stored.startswith(files.HEADER) and b"Noor Al-Hassan" not in stored and looks_like not in stored, "encrypted"
    client = Client()
    assert client.get(url).status_code == 302, "signed out: to sign in"
    client.force_login(amara)
    assert client.get(url).status_code == 404
    for staff in (agent, officer):
        verified_login(client, staff)
        assert client.get(url).status_code == 404
    client.force_login(busy_learner)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == content_type
    body = b"".join(response.streaming_content)
    assert body.lstrip().startswith(looks_like)
    assert request_type == "portability" or "Noor Al-Hassan" in body.decode()


def test_a_file_of_many_segments_and_multipart_size_streams_back_byte_for_byte(s3_bucket, busy_learner):
    request = services.request_submit(actor=busy_learner, subject=busy_learner, request_type="portability")
    content = secrets.token_bytes(9 * 1024 * 1024 + 123)  # past boto3's 8 MiB multipart threshold and the 2 MiB spool

    request_file = files.request_file_store(
        request=request, kind=RequestFile.Kind.PORTABLE_EXPORT, source=io.BytesIO(content)
    )
    chunks = list(files.request_file_download(user=busy_learner, request_file=request_file))

    assert len(chunks) == 10, "sent one segment at a time"
    assert b"".join(chunks) == content
    assert s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=request_file.storage_name)["ContentLength"] == (
        request_file.size
    )


def test_a_file_gone_from_the_bucket_answers_503_and_keeps_its_record(
    s3_bucket, busy_learner, officer, file_for, django_capture_on_commit_callbacks
):
    request_file = file_for(busy_learner, "portability")
    s3_bucket.client.delete_object(Bucket=s3_bucket.name, Key=request_file.storage_name)
    client = Client()
    client.force_login(busy_learner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("rights_requests:download", args=[request_file.request_id]))

    assert response.status_code == 503
    request_file.refresh_from_db()
    assert request_file.storage_name and request_file.unavailable_since is not None
    assert mail.outbox[-1].subject.endswith("is missing from storage"), "the privacy officer is told"


def test_storage_that_does_not_answer_is_a_503_not_a_500(
    s3_bucket, busy_learner, officer, file_for, settings, django_capture_on_commit_callbacks
):
    request_file = file_for(busy_learner, "portability")
    with_storage_options(settings, endpoint_url=closed_port_address())
    client = Client()
    client.force_login(busy_learner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("rights_requests:download", args=[request_file.request_id]))

    assert response.status_code == 503 and response["Retry-After"] == "3600"
    assert "Your file is temporarily unavailable" in response.text
    request_file.refresh_from_db()
    assert request_file.storage_name and request_file.unavailable_since is not None
    assert mail.outbox[-1].subject.endswith("is unreadable (the storage did not answer, or refused)")
    assert mail.outbox[-1].to == [officer.email]


def test_healthz_says_the_storage_answers_and_fails_when_the_bucket_is_gone_or_unreachable(s3_bucket, client, settings):
    assert client.get("/healthz").json()["checks"]["storage"] == "ok"

    with_storage_options(settings, bucket_name="learnerportal-no-such-bucket")
    gone = client.get("/healthz")
    with_storage_options(settings, bucket_name=s3_bucket.name, endpoint_url=closed_port_address())
    unreachable = client.get("/healthz")

    assert gone.status_code == 503 and gone.json()["checks"]["storage"] == "failing"
    assert unreachable.status_code == 503 and unreachable.json()["checks"]["storage"] == "failing"


def test_the_daily_purge_deletes_files_from_the_bucket_after_their_seven_days(s3_bucket, busy_learner, file_for):
    request_file = file_for(busy_learner, "portability")
    key = request_file.storage_name
    client = Client()
    client.force_login(busy_learner)
    url = reverse("rights_requests:download", args=[request_file.request_id])

    download_period = request_file.expires_at - request_file.created_at
    assert abs(download_period - datetime.timedelta(days=7)) < datetime.timedelta(seconds=5)
    with time_machine.travel(request_file.expires_at - datetime.timedelta(hours=1)):
        call_command("rights_requests_purge_files", stdout=io.StringIO())
    assert key in s3_bucket.object_keys()
    with time_machine.travel(request_file.expires_at + datetime.timedelta(minutes=1)):
        call_command("rights_requests_purge_files", stdout=io.StringIO())
        assert client.get(url).status_code == 410

    assert key not in s3_bucket.object_keys()
    request_file.refresh_from_db()
    assert request_file.storage_name == ""


def test_the_daily_purge_deletes_from_the_bucket_a_file_no_record_names_a_day_on(s3_bucket, busy_learner, file_for):
    recorded = file_for(busy_learner, "portability").storage_name
    # Left by a worker killed between storing its file and recording it.
    s3_bucket.client.put_object(Bucket=s3_bucket.name, Key="rights-requests/" + "ab" * 16 + ".bin", Body=b"x" * 64)

    call_command("rights_requests_purge_files", stdout=io.StringIO())
    assert "rights-requests/" + "ab" * 16 + ".bin" in s3_bucket.object_keys(), "it may be being recorded now"
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        call_command("rights_requests_purge_files", stdout=io.StringIO())

    assert s3_bucket.object_keys() == {recorded}


def test_erasure_deletes_the_learners_photo_and_files_from_the_bucket(
    s3_bucket, busy_learner, amara, officer, file_for, django_capture_on_commit_callbacks
):
    photo = upload_photo(Client(), busy_learner)
    report = file_for(busy_learner, "access").storage_name
    copy = file_for(busy_learner, "portability").storage_name
    someone_elses = upload_photo(Client(), amara)

    erasure = services.request_submit(actor=busy_learner, subject=busy_learner, request_type="erasure")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=erasure)

    erasure.refresh_from_db()
    assert erasure.status == Status.COMPLETED
    left = s3_bucket.object_keys()
    assert not {photo, report, copy} & left, "the photo, the report and the copy are gone from the bucket"
    assert left == {someone_elses}, "another learner's photo stays"


def test_storing_and_sending_a_large_file_through_the_bucket_takes_bounded_memory(s3_bucket, busy_learner):
    request = services.request_submit(actor=busy_learner, subject=busy_learner, request_type="portability")
    store = functools.partial(files.request_file_store, request=request, kind=RequestFile.Kind.PORTABLE_EXPORT)
    store(source=io.BytesIO(b"warm-up"))  # boto3 loads its models and connects, once per process
    content = secrets.token_bytes(24 * 1024 * 1024)

    tracemalloc.start()
    try:
        request_file = store(source=io.BytesIO(content))
        sent = sum(len(chunk) for chunk in files.request_file_download(user=busy_learner, request_file=request_file))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert sent == len(content)
    # Measured 11 MiB, as on the local disk (two 1 MiB segments in plain and encrypted form, and an 8 MiB
    # part); with boto3's threads, storing this file held 44 MiB and reading it 42 MiB.
    assert peak < 16 * 1024 * 1024, f"{peak / 1024 / 1024:.0f} MiB at the peak"


def production_process(code, **variables):
    """Run ``code`` in ``manage.py shell`` under the production settings with ``variables`` set; the result.

    ``code`` should read a setting: the shell itself starts even when the settings cannot be loaded.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "AWS_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "learnerportal.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "PORTAL_ENCRYPTION_KEYS": "Drmx57uB719anU_7ivvfimUQ8pHqx71FUqAxpbj4FB0=",
        **variables,
    }
    return subprocess.run(  # noqa: S603 - this interpreter, manage.py, fixed arguments
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_bucket_variables_send_a_production_process_files_to_the_bucket(s3_bucket):
    stored = production_process(
        "from django.core.files.base import ContentFile; from django.core.files.storage import storages; "
        "storage = storages['default']; "
        "print(type(storage).__name__, storage.save('profile-photos/x.jpg', ContentFile(b'j')))",
        **s3_bucket.environment(),
    )

    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.split() == ["S3Storage", "profile-photos/x.jpg"]
    assert s3_bucket.read("profile-photos/x.jpg") == b"j"
    assert unsigned_get(s3_bucket, "profile-photos/x.jpg") == 403


def test_without_a_bucket_files_stay_in_the_local_directory_and_a_bad_addressing_style_stops_the_start(tmp_path):
    local = production_process(
        "from django.core.files.storage import default_storage; print(default_storage.path('a'))",
        DJANGO_MEDIA_ROOT=str(tmp_path),
    )
    assert local.returncode == 0, local.stderr
    assert local.stdout.strip() == str(tmp_path / "a")

    refused = production_process(
        "from django.conf import settings; settings.STORAGES",
        DJANGO_STORAGE_S3_BUCKET="files",
        DJANGO_STORAGE_S3_ADDRESSING_STYLE="dns",
    )
    assert refused.returncode != 0
    assert "DJANGO_STORAGE_S3_ADDRESSING_STYLE must be one of path, virtual, not 'dns'." in refused.stderr


def test_key_rotation_rewrites_the_files_in_the_bucket_and_the_learner_still_downloads(
    s3_bucket, busy_learner, file_for, settings, django_capture_on_commit_callbacks
):
    request_file = file_for(busy_learner, "portability")
    old_key = request_file.storage_name
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.ENCRYPTION_KEYS]

    with django_capture_on_commit_callbacks(execute=True):
        call_command("rotate_encryption_keys", stdout=io.StringIO())

    request_file.refresh_from_db()
    assert s3_bucket.object_keys() == {request_file.storage_name} and request_file.storage_name != old_key
    settings.ENCRYPTION_KEYS = settings.ENCRYPTION_KEYS[:1]  # the old key retired
    client = Client()
    client.force_login(busy_learner)
    response = client.get(reverse("rights_requests:download", args=[request_file.request_id]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"PK\x03\x04")


def test_storage_that_accepts_but_never_answers_fails_healthz_in_seconds_not_minutes(s3_bucket, client, settings):
    # A server that takes connections and then says nothing (a hung storage node, a black-holed route).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        with_storage_options(settings, endpoint_url=f"http://127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        response = client.get("/healthz")
        waited = time.monotonic() - started

    assert response.status_code == 503 and response.json()["checks"]["storage"] == "failing"
    # botocore's own defaults waited 60 s a read, with retries: 3 minutes a probe, every web thread held.
    assert waited < 30, "the probe gets its answer while the balancer still waits for it"
