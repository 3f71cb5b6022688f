"""The portable copy (GDPR Art. 20): a ZIP of JSON and CSV per category, a manifest, no secrets."""

import csv
import io
import json
import zipfile

import pytest

from accounts.models import LearningEvent
from accounts.tests.factories import PASSWORD, CourseFactory, EnrollmentFactory, UserFactory
from rights_requests import services
from rights_requests.models import Status

pytestmark = pytest.mark.django_db

TRICKY = 'Comma, "quotes", new\nline, emoji 🎓 and 中文'


@pytest.fixture
def amara(client):
    user = UserFactory(username="amara", email="amara@example.org")
    user.profile.full_name = "Amara Okafor-Mensah"
    user.profile.bio = TRICKY
    user.profile.save()
    enrollment = EnrollmentFactory(user=user, course=CourseFactory(title="Data Ethics"))
    for _ in range(3):
        LearningEvent.objects.create(user=user, course=enrollment.course, event_type="video_played")
    client.force_login(user)
    return user


def download(client, amara, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=amara, subject=amara, request_type="portability")
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    response = client.get(f"/settings/data/{request.pk}/download/")
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_copy_has_json_and_csv_per_category_a_manifest_and_a_readme(
    client, amara, django_capture_on_commit_callbacks
):
    archive = download(client, amara, django_capture_on_commit_callbacks)
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))

    assert {"manifest.json", "README.txt", "identity.json", "identity.csv", "usage.json", "usage.csv"} <= names
    assert manifest["format_version"] == "2"
    rows = {entry["category"]: entry["rows"] for entry in manifest["categories"]}
    assert rows["usage"] >= 3
    identity = json.loads(archive.read("identity.json"))
    assert identity["Your profile"][0]["full_name"] == "Amara Okafor-Mensah"
    usage = json.loads(archive.read("usage.json"))
    assert {event["course"] for event in usage["Your learning activity"]} == {"Data Ethics"}, (
        "records name their course"
    )


def test_csv_round_trips_any_text(client, amara, django_capture_on_commit_callbacks):
    archive = download(client, amara, django_capture_on_commit_callbacks)
    reader = csv.DictReader(io.StringIO(archive.read("identity.csv").decode("utf-8"), newline=""))
    profiles = [line for line in reader if line["record"] == "Your profile"]
    assert [line["bio"] for line in profiles] == [TRICKY]
    assert profiles[0]["full_name"] == "Amara Okafor-Mensah"


def test_the_copy_holds_no_secrets_and_nobody_elses_data(client, amara, django_capture_on_commit_callbacks):
    other = UserFactory(username="bystander", email="bystander@example.org")
    other.profile.full_name = "Someone Else"
    other.profile.save()
    archive = download(client, amara, django_capture_on_commit_callbacks)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", "replace")
    amara.refresh_from_db()
    assert amara.password not in everything and "argon2" not in everything and "md5$" not in everything
    assert PASSWORD not in everything
    assert "Someone Else" not in everything and "bystander" not in everything
