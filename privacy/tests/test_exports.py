"""Exports obey the processing gate: research dataset, partner roster; the Art. 30 record follows the registry."""

import csv
import io
import os
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from compliance.registry import Category, LawfulBasis, Purpose, registry
from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, PartnerFactory, UserFactory
from privacy.models import ProcessingRun
from privacy.services import consent_record, restriction_start

pytestmark = pytest.mark.django_db

#: Why a learner is left out of an optional export; ``consented`` is the one who is let in.
GATE_REASONS = ("never_consented", "withdrew", "restricted", "objected", "inactive")


def learner(*, purpose, reason="consented", country="PT", **user_fields):
    """Return a learner from ``country`` whose state for ``purpose`` is ``reason`` (see ``GATE_REASONS``)."""
    user = UserFactory(**user_fields)
    user.profile.country = country
    user.profile.save(update_fields=["country"])
    if reason == "never_consented":
        return user
    consent_record(actor=user, user=user, purpose=purpose, granted=True, source="settings")
    if reason == "withdrew":
        consent_record(actor=user, user=user, purpose=purpose, granted=False, source="settings")
    elif reason == "restricted":
        restriction_start(actor=None, user=user, reason="The learner contests the accuracy of their data.")
    elif reason == "objected":
        consent_record(actor=user, user=user, purpose=purpose, granted=False, source="objection")
    elif reason == "inactive":
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


def research_learners(course, count, *, country="PT", reason="consented", **enrollment_fields):
    """Enroll ``count`` new learners from ``country`` in ``course``; return the users."""
    users = [learner(purpose="research", reason=reason, country=country) for _ in range(count)]
    for user in users:
        EnrollmentFactory(user=user, course=course, **enrollment_fields)
    return users


def run(command, *args, **options):
    """Call a management command; return what it printed."""
    out = io.StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def export_research(tmp_path):
    """Run the research export; return ``(rows by (course, country), printed text, CSV text)``."""
    path = tmp_path / "research.csv"
    printed = run("export_research_dataset", output=str(path))
    rows = {(row["course"], row["country"]): row for row in read_csv(path)}
    return rows, printed, path.read_text(encoding="utf-8")


# Research dataset ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", GATE_REASONS)
def test_the_research_export_leaves_out_a_learner_for_every_reason_the_gate_gives(tmp_path, reason):
    course = CourseFactory(slug="data-literacy")
    research_learners(course, 10)
    research_learners(course, 1, reason=reason)

    rows, printed, _ = export_research(tmp_path)

    assert rows[("data-literacy", "PT")]["learners"] == "10"
    run_row = ProcessingRun.objects.get()
    assert (run_row.kind, run_row.actor, run_row.included, run_row.excluded) == ("research_export", None, 10, 1)
    assert run_row.parameters == {"min_group_size": 10}
    assert "10 learner(s) included, 1 excluded" in printed


def test_the_research_export_counts_a_learner_who_consented(tmp_path):
    course = CourseFactory(slug="data-literacy")
    research_learners(course, 11)

    rows, _, _ = export_research(tmp_path)

    assert rows[("data-literacy", "PT")]["learners"] == "11"
    run_row = ProcessingRun.objects.get()
    assert (run_row.included, run_row.excluded) == (11, 0)


def test_groups_under_ten_consenting_learners_are_suppressed_and_ten_are_shown(tmp_path):
    small, large = CourseFactory(slug="small-course"), CourseFactory(slug="large-course")
    research_learners(small, 9)
    research_learners(small, 5, reason="never_consented")  # enrolled, but not counted towards the group
    research_learners(large, 10)
    research_learners(large, 9, country="FR")

    rows, printed, _ = export_research(tmp_path)

    assert list(rows) == [("large-course", "PT")]
    assert rows[("large-course", "PT")]["learners"] == "10"
    assert "2 group(s) of fewer than 10 learners suppressed" in printed
    run_row = ProcessingRun.objects.get()
    assert (run_row.included, run_row.excluded) == (28, 5)


@override_settings(PRIVACY_RESEARCH_MIN_GROUP_SIZE=3)
def test_the_threshold_comes_from_the_setting_and_is_recorded(tmp_path):
    research_learners(CourseFactory(slug="tiny-course"), 3)

    rows, _, _ = export_research(tmp_path)

    assert rows[("tiny-course", "PT")]["learners"] == "3"
    assert ProcessingRun.objects.get().parameters == {"min_group_size": 3}


def test_the_research_dataset_gives_means_and_completion_rate_per_course_and_country(tmp_path):
    course = CourseFactory(slug="statistics")
    research_learners(course, 6, progress_percent=100, grade_percent=Decimal("80.00"), completed_at=datetime.now(UTC))
    research_learners(course, 4, progress_percent=50, grade_percent=Decimal("65.00"))

    rows, _, _ = export_research(tmp_path)

    assert rows[("statistics", "PT")] == {
        "course": "statistics",
        "country": "PT",
        "learners": "10",
        "mean_progress_percent": "80.0",
        "completion_rate_percent": "60.0",
        "mean_grade_percent": "74.0",
    }


def test_a_mean_grade_of_fewer_graded_learners_than_the_threshold_is_left_blank(tmp_path):
    course = CourseFactory(slug="statistics")
    research_learners(course, 1, grade_percent=Decimal("91.50"))
    research_learners(course, 9)

    rows, _, _ = export_research(tmp_path)

    assert rows[("statistics", "PT")]["mean_grade_percent"] == ""


def test_the_research_dataset_holds_no_direct_identifiers(tmp_path):
    course = CourseFactory(slug="history-of-science")
    users = research_learners(course, 10, progress_percent=37)
    for number, user in enumerate(users):
        user.profile.full_name = f"Ingrid Vasquez-{number}"
        user.profile.date_of_birth = datetime(1990, 5, 17 + number).date()
        user.profile.save(update_fields=["full_name", "date_of_birth"])

    rows, printed, text = export_research(tmp_path)

    assert text.splitlines()[0] == (
        '"course","country","learners","mean_progress_percent","completion_rate_percent","mean_grade_percent"'
    )
    assert len(rows) == 1
    for user in users:
        for identifier in (user.username, user.email, user.profile.full_name, "1990-05-"):
            assert identifier not in text
            assert identifier not in printed
    assert os.stat(tmp_path / "research.csv").st_mode & 0o777 == 0o600


# Partner roster -----------------------------------------------------------------------------------

ENROLLED = datetime(2026, 9, 1, 9, 30, tzinfo=UTC)
COMPLETED = datetime(2026, 10, 20, 16, 0, tzinfo=UTC)


@pytest.fixture
def partner_course():
    return CourseFactory(slug="marine-biology", partner=PartnerFactory(name="Universidade do Mar"))


def enroll_for_roster(course, user):
    return EnrollmentFactory(
        user=user,
        course=course,
        enrolled_at=ENROLLED,
        progress_percent=73,
        grade_percent=Decimal("88.50"),
        completed_at=COMPLETED,
    )


def export_roster(tmp_path, partner="Universidade do Mar"):
    path = tmp_path / "roster.csv"
    printed = run("export_partner_roster", partner, output=str(path))
    return read_csv(path), printed


@pytest.mark.parametrize("reason", GATE_REASONS)
def test_the_roster_lists_every_enrolled_learner_but_detail_only_through_the_gate(tmp_path, partner_course, reason):
    enroll_for_roster(partner_course, learner(purpose="partner_sharing", reason=reason, username="noor"))

    rows, printed = export_roster(tmp_path)

    assert rows == [
        {
            "course": "marine-biology",
            "learner": "noor",
            "enrolled_on": "2026-09-01",
            "progress_percent": "",
            "grade_percent": "",
            "completed_on": "",
        }
    ]
    run_row = ProcessingRun.objects.get()
    assert (run_row.kind, run_row.included, run_row.excluded) == ("partner_roster", 0, 1)
    assert run_row.parameters == {"partner": "Universidade do Mar"}
    assert "noor" not in printed


def test_the_roster_shows_progress_and_grades_of_a_learner_who_agreed(tmp_path, partner_course):
    enroll_for_roster(partner_course, learner(purpose="partner_sharing", username="noor"))

    rows, printed = export_roster(tmp_path)

    assert rows == [
        {
            "course": "marine-biology",
            "learner": "noor",
            "enrolled_on": "2026-09-01",
            "progress_percent": "73",
            "grade_percent": "88.5",
            "completed_on": "2026-10-20",
        }
    ]
    run_row = ProcessingRun.objects.get()
    assert (run_row.included, run_row.excluded) == (1, 0)
    assert "1 learner(s) with progress and grades, 0 without" in printed
    assert "noor" not in printed


def test_the_roster_covers_only_the_partners_courses_and_counts_each_learner_once(tmp_path, partner_course):
    second_course = CourseFactory(slug="ocean-chemistry", partner=partner_course.partner)
    agreed = learner(purpose="partner_sharing", username="agreed")
    refused = learner(purpose="partner_sharing", reason="never_consented", username="refused")
    for course in (partner_course, second_course):
        enroll_for_roster(course, agreed)
        enroll_for_roster(course, refused)
    EnrollmentFactory(user=learner(purpose="partner_sharing", username="elsewhere"), course=CourseFactory())

    rows, _ = export_roster(tmp_path, partner=str(partner_course.partner.pk))

    assert [(row["course"], row["learner"], row["grade_percent"]) for row in rows] == [
        ("marine-biology", "agreed", "88.5"),
        ("marine-biology", "refused", ""),
        ("ocean-chemistry", "agreed", "88.5"),
        ("ocean-chemistry", "refused", ""),
    ]
    run_row = ProcessingRun.objects.get()
    assert (run_row.included, run_row.excluded) == (1, 1)
    assert os.stat(tmp_path / "roster.csv").st_mode & 0o777 == 0o600


def test_the_partner_is_found_by_name_in_any_case(tmp_path, partner_course):
    enroll_for_roster(partner_course, learner(purpose="partner_sharing", username="noor"))

    rows, _ = export_roster(tmp_path, partner="universidade do mar")

    assert [row["learner"] for row in rows] == ["noor"]


def test_a_roster_cell_a_spreadsheet_would_compute_is_written_as_text(tmp_path, partner_course):
    # Staff name courses; a slug such as "-1-1" opens in a spreadsheet as the formula =-1-1.
    formula_course = CourseFactory(slug="-1-1", partner=partner_course.partner)
    enroll_for_roster(formula_course, learner(purpose="partner_sharing", username="noor"))

    rows, _ = export_roster(tmp_path)

    assert [(row["course"], row["learner"], row["progress_percent"]) for row in rows] == [("'-1-1", "noor", "73")]


def test_an_unknown_partner_is_a_clear_error_and_nothing_is_written(tmp_path, partner_course):
    path = tmp_path / "roster.csv"

    with pytest.raises(CommandError, match="No partner has the name or id 'Atlantis Institute'"):
        call_command("export_partner_roster", "Atlantis Institute", output=str(path), stdout=io.StringIO())

    assert not path.exists()
    assert not ProcessingRun.objects.exists()


# Record of processing (GDPR Art. 30) --------------------------------------------------------------


def expected_texts(declaration):
    """Return what the record must say about ``declaration``: description, categories, purposes, bases."""
    texts = [str(declaration.description), str(declaration.retention), str(declaration.source)]
    texts += [str(Category(category).label) for category in declaration.categories]
    for processing in declaration.processing:
        texts += [str(Purpose(processing.purpose).label), str(LawfulBasis(processing.lawful_basis).label)]
    return texts + list(declaration.recipients)


def test_the_csv_record_has_one_row_per_declaration_with_its_purposes_and_lawful_bases():
    rows = list(csv.DictReader(io.StringIO(run("record_of_processing", "--format", "csv"))))

    assert len(rows) == len(registry) > 0
    by_record = {row["record"]: row for row in rows}
    for declaration in registry:
        row = " | ".join(by_record[str(declaration.description)].values())
        for text in expected_texts(declaration):
            assert text in row


def test_the_markdown_record_has_a_section_per_declaration_with_its_purposes_and_lawful_bases(tmp_path):
    path = tmp_path / "record.md"

    printed = run("record_of_processing", "--format", "markdown", "--output", str(path))

    assert printed == f"Wrote {len(registry)} record(s) to {path}.\n"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Record of processing activities (GDPR Art. 30(1))")
    sections = text.split("\n## ")[1:]
    assert len(sections) == len(registry)
    for declaration, section in zip(registry, sections, strict=True):
        assert section.startswith(str(declaration.description))

        for text_expected in expected_texts(declaration):
            assert text_expected in section
