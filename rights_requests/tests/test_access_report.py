"""The access report (GDPR Art. 15): what it contains, how it is stored, who may download it and for how long."""

import datetime
import io

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from accounts.models import LearningEvent
from compliance.models import AuditEvent
from learnerportal.tests.factories import (
    BackupCodeFactory,
    CourseFactory,
    EnrollmentFactory,
    LearningEventFactory,
    TOTPDeviceFactory,
    UserFactory,
)
from rights_requests import services
from rights_requests.files import associated_data_of, decrypt_stream
from rights_requests.models import RequestFile, Status

pytestmark = pytest.mark.django_db

TOTP_KEY = "3132333435363738393031323334353637383930"
BACKUP_DIGEST = "d1gest0f4backupc0de" * 3


@pytest.fixture
def rich_learner(learner):
    """The learner with data in several categories, an authenticator app and backup codes."""
    course = CourseFactory(title="Quantum Basics for Everyone")
    EnrollmentFactory(user=learner, course=course, progress_percent=73)
    LearningEventFactory.create_batch(3, user=learner, course=course, event_type=LearningEvent.EventType.VIDEO_PLAYED)
    TOTPDeviceFactory(user=learner, name="Noor's phone", key=TOTP_KEY)
    BackupCodeFactory(device__user=learner, device__name="backup", salt="s4ltofthebackupcode", digest=BACKUP_DIGEST)
    return learner


@pytest.fixture
def other_learner():
    user = UserFactory(username="zhang.wei", email="zhang.wei@example.org")
    user.profile.full_name = "Zhang Wei Other"
    user.profile.save()
    EnrollmentFactory(user=user, course=CourseFactory(title="Secret Garden Course"))
    return user


@pytest.fixture
def access_request(rich_learner, other_learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=rich_learner, subject=rich_learner, request_type="access")
    request.refresh_from_db()
    return request


def report_of(request):
    request_file = RequestFile.objects.get(request=request)
    with default_storage.open(request_file.storage_name, "rb") as stored:
        return request_file, stored.read()


def html_of(request):
    request_file, stored = report_of(request)
    associated_data = associated_data_of(request_id=request.pk, kind=request_file.kind)
    return b"".join(decrypt_stream(io.BytesIO(stored), associated_data=associated_data)).decode()


def test_filing_an_access_request_completes_it_with_a_report_to_download(access_request):
    assert access_request.status == Status.COMPLETED
    request_file = RequestFile.objects.get(request=access_request)
    assert request_file.kind == RequestFile.Kind.ACCESS_REPORT
    lifetime = request_file.expires_at - request_file.created_at
    assert abs(lifetime - datetime.timedelta(days=7)) < datetime.timedelta(seconds=5)
    assert "ready" in access_request.events.get(action="completed").note


def test_the_report_holds_the_learners_data_by_category_with_purposes_bases_and_retention(access_request):
    html = html_of(access_request)

    for text in (
        "Noor Al-Hassan",  # identity
        "noor@example.org",  # contact
        "+44 7700 900555",
        "<td>73</td>",  # education: progress in percent
        "Played a video",  # usage
        "Noor&#x27;s phone",  # security
        access_request.reference,  # the request itself
    ):
        assert text in html
    for heading in ("Identity", "Contact details", "Education and learning", "Usage and activity"):
        assert f"<h2>{heading}</h2>" in html
    assert "Performance of a contract — GDPR Art. 6(1)(b)" in html
    assert "Legal obligation — GDPR Art. 6(1)(c)" in html
    assert "How long we keep it" in html
    assert "6 years after the request is closed" in html
    assert "Where it comes from" in html
    assert "Who receives it" in html


def test_the_report_never_holds_secrets_or_another_learners_data(access_request, rich_learner):
    html = html_of(access_request)

    assert rich_learner.password and rich_learner.password not in html
    assert TOTP_KEY not in html
    assert BACKUP_DIGEST not in html
    assert "s4ltofthebackupcode" not in html
    assert "Zhang Wei" not in html
    assert "zhang.wei" not in html
    assert "Secret Garden Course" not in html


def test_the_report_is_stored_encrypted(access_request):
    request_file, stored = report_of(access_request)

    assert b"Noor" not in stored
    assert b"<html" not in stored
    assert request_file.size == len(stored)
    _header, *tokens = stored.splitlines()
    plain = b"".join(Fernet(settings.ENCRYPTION_KEYS[0]).decrypt(token)[5:] for token in tokens)
    assert b"Noor Al-Hassan" in plain


def test_the_owner_sees_the_button_downloads_the_report_and_the_download_is_audited(client, access_request):
    client.force_login(access_request.subject)
    detail = client.get(reverse("rights_requests:detail", args=[access_request.pk]))
    assert "Download your report" in detail.text

    response = client.get(reverse("rights_requests:download", args=[access_request.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Noor Al-Hassan" in b"".join(response.streaming_content).decode()
    event = AuditEvent.objects.get(subject=access_request.subject, action=AuditEvent.Action.EXPORT_DOWNLOADED)
    assert event.actor == access_request.subject


def test_another_learner_gets_404_and_nobody_signed_out_gets_the_file(client, access_request, other_learner):
    url = reverse("rights_requests:download", args=[access_request.pk])

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse(settings.LOGIN_URL))

    client.force_login(other_learner)
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()


def test_after_seven_days_the_download_answers_410_and_the_file_is_gone(client, access_request):
    request_file = RequestFile.objects.get(request=access_request)
    name = request_file.storage_name
    client.force_login(access_request.subject)
    url = reverse("rights_requests:download", args=[access_request.pk])

    with time_machine.travel(request_file.expires_at + datetime.timedelta(seconds=1)):
        response = client.get(url)
        detail = client.get(reverse("rights_requests:detail", args=[access_request.pk]))

    assert response.status_code == 410
    assert not default_storage.exists(name)
    assert "Download your report" not in detail.text
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()


def test_the_report_speaks_in_words_dates_and_transfers_not_raw_data(learner, django_capture_on_commit_callbacks):
    learner.profile.date_of_birth = datetime.date(1977, 8, 18)
    learner.profile.save()
    services.request_submit(
        actor=learner,
        subject=learner,
        request_type="rectification",
        details={"changes": {"full_name": "Noor al_Hassan"}, "note": ""},
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type="access")

    html = html_of(request)

    assert "18 August 1977" in html and "1977-08-18" not in html
    assert "changes: full name: Noor al_Hassan" in html, "keys in words, the learner's own text exactly"
    assert '{"changes"' not in html and "&quot;changes&quot;" not in html
    assert "Transfers outside the European Economic Area (Art. 15(2))" in html
    # The access request was completed by the portal itself: its step says so rather than leaving a blank.
    assert "<td>Automatically</td>" in html


def test_failed_sign_ins_show_their_network_and_browser_kind_never_the_address_or_headers(
    learner, django_capture_on_commit_callbacks
):
    stranger = Client(
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36 planted-agent",
        HTTP_ACCEPT="text/x-planted-accept",
    )
    stranger.post("/accounts/login/?ref=planted-query", {"username": "noor", "password": "planted-password"})
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type="access")

    html = html_of(request)

    assert "<td>198.51.100.0/24</td>" in html and "<td>Chrome on Windows</td>" in html
    assert "198.51.100.23" not in html and "planted" not in html
