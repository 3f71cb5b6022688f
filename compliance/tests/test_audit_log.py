"""The audit log: append-only in the database, each action recorded once with the right actor."""

import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory

from compliance.audit_context import audit_context
from compliance.erasure import erasure_execute
from compliance.models import ActorRole, AuditEvent, StaffGroup
from compliance.services import audit_record, staff_access_record
from learnerportal.tests.factories import (
    PASSWORD,
    AuditEventFactory,
    CourseFactory,
    EnrollmentFactory,
    PartnerFactory,
    UserFactory,
    staff_member,
)
from privacy.services import consent_record, profile_visibility_update

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def events(user, action):
    return AuditEvent.objects.filter(subject=user, action=action)


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_update_or_delete_audit_events_from_raw_sql(amara):
    event = audit_record(actor=amara, subject=amara, action=AuditEvent.Action.PASSWORD_CHANGED)

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE privacy_auditevent SET action = 'signed_in' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM privacy_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        # Pretending to pseudonymise while rewriting history is refused too.
        _raw(
            "UPDATE privacy_auditevent SET network = '', pseudonymised_at = now(), actor_id = NULL WHERE id = %s",
            [event.pk],
        )
    event.refresh_from_db()
    assert event.action == AuditEvent.Action.PASSWORD_CHANGED and event.actor_id == amara.pk


PSEUDONYMISE = "UPDATE privacy_auditevent SET network = '', pseudonymised_at = now() WHERE id = %s"


def _raw_erasing(subject_pk, sql, params):
    """Run ``sql`` in a transaction that names ``subject_pk`` as the account being erased, as erasure does."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('portal.erasing_subject', %s, true)", [str(subject_pk)])
        cursor.execute(sql, params)


def test_only_the_erasure_pseudonymisation_may_touch_a_row_and_only_once(amara):
    event = audit_record(actor=amara, subject=amara, action=AuditEvent.Action.SIGNED_IN)
    _raw_erasing(amara.pk, PSEUDONYMISE, [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw_erasing(amara.pk, "UPDATE privacy_auditevent SET pseudonymised_at = now() WHERE id = %s", [event.pk])


def test_a_pseudonymisation_outside_that_accounts_erasure_is_refused(amara):
    """Else anyone could mark a live account's log as erased (and so block its real erasure later)."""
    event = AuditEventFactory(subject=amara, action=AuditEvent.Action.SIGNED_IN, network="203.0.113.0/24")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(PSEUDONYMISE, [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw_erasing(amara.pk + 1, PSEUDONYMISE, [event.pk])
    event.refresh_from_db()
    assert event.pseudonymised_at is None and event.network == "203.0.113.0/24"
    assert erasure_execute(subject=amara)["scan"] == []


@pytest.mark.parametrize("table", ["privacy_auditevent", "privacy_consent"])
def test_the_database_refuses_to_empty_the_audit_log_or_consent_ledger(amara, table):
    audit_record(actor=amara, subject=amara, action=AuditEvent.Action.SIGNED_IN)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL portal.truncate_allowed = 'off'")  # the test database allows it (conftest.py)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending foreign-key checks, which block TRUNCATE
        with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.filter(subject=amara).exists()


def test_erasure_keeps_the_log_pseudonymised_and_the_scan_finds_nothing(amara):
    Client(REMOTE_ADDR="203.0.113.77").post(LOGIN, {"username": "amara", "password": PASSWORD})
    signed_in = events(amara, AuditEvent.Action.SIGNED_IN).get()
    assert signed_in.network == "203.0.113.0/24" and len(signed_in.request_id) == 36

    receipt = erasure_execute(subject=amara)

    assert receipt["scan"] == []
    signed_in.refresh_from_db()
    assert signed_in.network == "" and signed_in.pseudonymised_at is not None
    assert signed_in.action == AuditEvent.Action.SIGNED_IN and signed_in.subject_id == amara.pk


def test_sign_in_failed_sign_in_and_sign_out_are_each_recorded_once_with_the_right_actor(amara):
    client = Client(REMOTE_ADDR="198.51.100.9")
    client.post(LOGIN, {"username": "AMARA", "password": "wrong-password-1"})
    response = client.post(LOGIN, {"username": "amara@example.org", "password": PASSWORD})
    assert response.status_code == 302
    client.post("/accounts/logout/")

    failed = events(amara, AuditEvent.Action.LOGIN_FAILED).get()
    assert failed.actor is None and failed.actor_role == ActorRole.SYSTEM and failed.changes == {"step": "password"}
    assert failed.network == "198.51.100.0/24"
    assert "wrong-password" not in str(failed.changes) and "AMARA" not in str(failed.changes)
    signed_in = events(amara, AuditEvent.Action.SIGNED_IN).get()
    signed_out = events(amara, AuditEvent.Action.SIGNED_OUT).get()
    assert signed_in.actor == amara == signed_out.actor and signed_in.actor_role == ActorRole.SUBJECT
    assert signed_in.request_id != failed.request_id


def test_a_failed_sign_in_for_an_unknown_name_records_nothing():
    Client().post(LOGIN, {"username": "nobody-here", "password": "wrong-password-1"})
    assert not AuditEvent.objects.exists()


def test_visibility_consent_and_sessions_changes_are_recorded_once_each(amara):
    client = Client()
    client.force_login(amara)
    profile_visibility_update(actor=amara, subject=amara, audiences={"bio": "learners"})
    consent_record(actor=amara, user=amara, purpose="research", granted=True, source="settings")
    client.post("/settings/security/sessions/sign-out-others/")

    visibility = events(amara, AuditEvent.Action.VISIBILITY_CHANGED).get()
    assert visibility.changes == {"bio": ["private", "learners"]} and visibility.actor == amara
    assert events(amara, AuditEvent.Action.CONSENT_CHANGED).get().changes == {"research": [False, True]}
    assert events(amara, AuditEvent.Action.SESSIONS_ENDED).get().actor == amara


def test_each_rights_request_step_is_recorded_once_with_its_actor(amara):
    from rights_requests import services

    agent = staff_member("sam.agent", StaffGroup.SUPPORT_AGENT)
    request = services.request_submit(actor=amara, subject=amara, request_type="restriction", details={"reason": "x"})
    services.request_assign(actor=agent, request=request, assignee=agent)

    steps = list(events(amara, AuditEvent.Action.REQUEST_STEP).order_by("id"))
    assert [(e.changes["step"], e.actor_role) for e in steps] == [
        ("submitted", ActorRole.SUBJECT),
        ("verified", ActorRole.SYSTEM),
        ("assigned", ActorRole.SUPPORT_AGENT),
    ]
    assert all(e.changes["request"] == request.reference for e in steps)
    assert steps[-1].actor == agent


def test_an_access_report_is_recorded_when_made_and_when_downloaded(amara, django_capture_on_commit_callbacks):
    from rights_requests import services

    client = Client()
    client.force_login(amara)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=amara, subject=amara, request_type="access")
    generated = events(amara, AuditEvent.Action.EXPORT_GENERATED).get()
    assert generated.actor is None and generated.changes == {"request": request.reference, "kind": "access_report"}

    response = client.get(f"/settings/data/{request.pk}/download/")
    assert response.status_code == 200
    assert not events(amara, AuditEvent.Action.EXPORT_DOWNLOADED).exists(), "not before the file is sent"
    b"".join(response.streaming_content)
    downloaded = events(amara, AuditEvent.Action.EXPORT_DOWNLOADED).get()
    assert downloaded.actor == amara and downloaded.changes["request"] == request.reference


def test_a_partner_roster_and_the_research_export_appear_in_each_learners_log(amara, tmp_path):
    other = UserFactory(username="bilal")
    course = CourseFactory(partner=PartnerFactory(name="Universidade Aberta"))
    EnrollmentFactory(user=amara, course=course)
    EnrollmentFactory(user=other, course=course)
    consent_record(actor=amara, user=amara, purpose="partner_sharing", granted=True, source="settings")
    consent_record(actor=amara, user=amara, purpose="research", granted=True, source="settings")

    call_command("export_partner_roster", "Universidade Aberta", output=str(tmp_path / "roster.csv"))
    call_command("export_research_dataset", output=str(tmp_path / "research.csv"))

    assert events(amara, AuditEvent.Action.PARTNER_SHARED).get().changes == {
        "partner": "Universidade Aberta",
        "progress_and_grades": True,
    }
    assert events(other, AuditEvent.Action.PARTNER_SHARED).get().changes["progress_and_grades"] is False
    assert events(amara, AuditEvent.Action.RESEARCH_INCLUDED).count() == 1
    assert not events(other, AuditEvent.Action.RESEARCH_INCLUDED).exists(), "no consent, not included"


def test_the_activity_page_shows_the_learners_own_events_and_staff_by_role_only(amara):
    agent = staff_member("sam.agent", StaffGroup.SUPPORT_AGENT)
    bystander = UserFactory(username="bystander")
    with audit_context(RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")):
        staff_access_record(
            actor=agent, subject=amara, view="your account and profile", request_reference="DSR-2026-000042"
        )
    audit_record(actor=bystander, subject=bystander, action=AuditEvent.Action.PASSWORD_CHANGED)
    with audit_context(RequestFactory().get("/", REMOTE_ADDR="203.0.113.77")):
        audit_record(actor=amara, subject=amara, action=AuditEvent.Action.SIGNED_IN)
    client = Client()
    client.force_login(amara)

    page = client.get("/settings/security/activity/").content.decode()

    assert (
        "A member of the support team viewed your account and profile while working on request DSR-2026-000042." in page
    )
    assert "sam.agent" not in page, "staff are shown by role, never by name"
    assert "192.0.2." not in page, "nor by their network"
    assert '<td data-label="Network">203.0.113.x</td>' in page, "the learner's own network, in plain words"
    assert "Password changed" not in page, "only the learner's own events"
    assert 'href="/settings/security/activity/"' in client.get("/settings/security/").content.decode()


def test_the_activity_page_needs_a_sign_in():
    response = Client().get("/settings/security/activity/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_audit_report_counts_staff_access_and_names_no_learner(amara):
    agent = staff_member("sam.agent", StaffGroup.SUPPORT_AGENT)
    amara.profile.full_name = "Amara Okafor"
    amara.profile.save()
    staff_access_record(actor=agent, subject=amara, view="your account and profile", request_reference="DSR-1")
    staff_access_record(actor=agent, subject=amara, view="a payment of yours")
    Client().post(LOGIN, {"username": "amara", "password": "wrong-password-1"})

    from io import StringIO

    out = StringIO()
    call_command("audit_report", since=datetime.date.today().isoformat(), stdout=out)
    report = out.getvalue()

    assert "| sam.agent | Support agent | 2 | 1 | 1 |" in report
    assert f"viewed a payment of the learner's (learner account #{amara.pk})" in report
    assert "Failed sign-ins: 1 against 1 account(s)" in report
    assert "amara" not in report.lower() and "Okafor" not in report and "example.org" not in report


def test_the_audit_report_refuses_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("audit_report", since="last tuesday")
