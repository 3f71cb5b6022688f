"""The API's data-rights requests: the Your data pages' services and rules, in JSON."""

import datetime
import io

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from compliance.models import AuditEvent
from privacy.selectors import may_process
from privacy.services import consent_record
from rights_requests.files import request_file_store
from rights_requests.models import RequestFile, RightsRequest, Status

pytestmark = pytest.mark.django_db


def file(api, body):
    return api.post("/api/v1/me/requests/", body, content_type="application/json")


def test_an_access_request_is_filed_carried_out_and_downloaded(api, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = file(api, {"type": "access", "details": {"note": "All of it, please."}})
    assert response.status_code == 201
    created = response.json()
    assert response["Location"] == created["url"]
    assert created["reference"].startswith("DSR-") and created["type"] == "access"
    detail = api.get(created["url"]).json()
    assert detail["status"] == "completed" and detail["download"]["kind"] == "access_report"
    assert detail["timeline"][0]["what"] == "Request received"
    download = api.get(detail["download"]["url"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/html")
    assert download["Content-Disposition"] == f'attachment; filename="learner-portal-data-{created["reference"]}.html"'
    assert b"Noor Al-Hassan" in b"".join(download.streaming_content)
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.EXPORT_DOWNLOADED).count() == 1


def test_a_second_open_request_of_a_type_answers_409_with_the_open_ones_id(api, make_request):
    existing = make_request("restriction", status="awaiting_approval", details={"reason": "x"})
    response = file(api, {"type": "restriction", "details": {"reason": "My grade is wrong."}})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_open_request"
    assert body["existing_request_id"] == str(existing.pk)
    assert existing.reference in body["detail"]
    assert RightsRequest.objects.filter(type="restriction").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "restriction"}, "details.reason"),
        ({"type": "restriction", "details": {"reason": "   "}}, "details.reason"),
        ({"type": "objection", "details": {"purposes": []}}, "details.purposes"),
        ({"type": "objection", "details": {"purposes": ["profile_sharing"]}}, "details.purposes.0"),
        ({"type": "rectification", "details": {"changes": {"email": "x@example.org"}}}, "details.changes"),
        ({"type": "rectification", "details": {"changes": {"phone": "call me"}}}, "details.changes.phone"),
        ({"type": "access", "details": {"note": "x" * 2001}}, "details.note"),
        ({"type": "access", "details": {"note": 5}}, "details.note"),
        ({"type": "restriction", "details": {"reason": "wrong \u202egrade"}}, "details.reason"),
        ({"type": "access", "details": {"secret": 1}}, "details.secret"),
        ({"type": "deletion"}, "type"),
        ({"details": {}}, "type"),
        ({"type": "access", "details": "please"}, "details.non_field_errors"),
        ({"type": "access", "subject": 1}, "subject"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(api, body, field):
    response = file(api, body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] in ("invalid", "invalid_details")
    assert field in response.json()["fields"], response.json()
    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize(
    ("details", "field", "message"),
    [
        ({"purposes": [""] * 10_000}, "details.purposes", "Ensure this field has no more than 4 elements."),
        ({"changes": {f"field{n}": "" for n in range(3000)}}, "details.changes", "no more than 10 keys."),
        ({"purposes": ["x" * 50_000]}, "details.purposes.0", "is not a valid choice."),
    ],
    ids=["long-list", "large-object", "long-value"],
)
def test_a_large_list_or_object_in_the_details_is_refused_at_once_with_a_short_answer(api, details, field, message):
    response = file(api, {"type": "objection", "details": details})

    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert response.json()["fields"][field][0].endswith(message)
    assert len(response.content) < 1_000
    assert not RightsRequest.objects.exists()


def test_an_objection_takes_effect_at_once(api, learner, django_capture_on_commit_callbacks):
    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    with django_capture_on_commit_callbacks(execute=True):
        response = file(api, {"type": "objection", "details": {"purposes": ["research"]}})
    assert response.status_code == 201
    assert not may_process(learner, "research")


def test_erasure_is_never_filed_with_a_token(api):
    response = file(api, {"type": "erasure"})
    assert response.status_code == 403 and response.json()["code"] == "erasure_not_allowed_with_token"
    assert not RightsRequest.objects.exists()


def test_erasure_in_the_browser_needs_a_recent_password_as_on_the_page(client, learner):
    client.force_login(learner)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
        refused = file(client, {"type": "erasure"})
        assert refused.status_code == 403 and refused.json()["code"] == "reauthentication_required"
        client.post("/accounts/confirm-password/", {"password": "correct-horse-battery-staple"})
        filed = file(client, {"type": "erasure", "details": {"note": "Goodbye."}})
    assert filed.status_code == 201 and filed.json()["status"] == "awaiting_approval"


def test_a_session_must_send_the_csrf_token_to_change_anything(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    refused = file(client, {"type": "access"})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert "CSRF" in refused.json()["detail"]
    client.get("/settings/data/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    allowed = client.post(
        "/api/v1/me/requests/", {"type": "access"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert allowed.status_code == 201


def test_withdrawing_works_until_work_starts(api, make_request):
    waiting = make_request("restriction", status="awaiting_approval", details={"reason": "x"})
    response = api.post(f"/api/v1/me/requests/{waiting.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert response.json()["timeline"][-1]["what"] == "Withdrawn"
    started = make_request("access", status="processing")
    refused = api.post(f"/api/v1/me/requests/{started.pk}/withdraw/")
    assert refused.status_code == 409 and refused.json()["code"] == "transition_not_allowed"
    started.refresh_from_db()
    assert started.status == Status.PROCESSING


def test_staff_are_never_named_and_hidden_notes_stay_hidden(api, make_request, agent):
    from rights_requests.services import request_assign

    waiting = make_request("restriction", status="awaiting_approval", details={"reason": "x"})
    request_assign(actor=agent, request=waiting, assignee=agent)
    body = api.get(f"/api/v1/me/requests/{waiting.pk}/").content.decode()
    assert "sam.agent" not in body and "Our privacy team" in body


def test_after_seven_days_the_download_answers_410_as_the_page_does(api, learner, client, make_request):
    done = make_request("access", status="completed", completed_at=timezone.now())
    request_file_store(request=done, kind=RequestFile.Kind.ACCESS_REPORT, source=io.BytesIO(b"<p>report</p>"))
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1)):
        response = api.get(f"/api/v1/me/requests/{done.pk}/download/")
        assert response.status_code == 410 and response.json()["code"] == "download_expired"
        assert api.get(f"/api/v1/me/requests/{done.pk}/").json()["download"] is None
        client.force_login(learner)
        assert client.get(f"/settings/data/{done.pk}/download/").status_code == 410
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()


def test_a_request_without_a_file_has_nothing_to_download(api, make_request):
    waiting = make_request("access", status="awaiting_approval")
    response = api.get(f"/api/v1/me/requests/{waiting.pk}/download/", HTTP_ACCEPT="application/zip")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_list_is_paginated_newest_first_in_a_stable_order(api, make_request):
    now = timezone.now()
    made = [make_request(t, status="completed", received_at=now) for t in ("access", "portability", "objection")]
    made.append(make_request("restriction", status="completed", received_at=now - datetime.timedelta(days=1)))
    first = api.get("/api/v1/me/requests/?page_size=2").json()
    second = api.get(first["next"]).json()
    assert first["count"] == 4 and second["next"] is None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert sorted(ids) == sorted(str(r.pk) for r in made) and ids[-1] == str(made[-1].pk)
    assert ids == [row["id"] for row in api.get("/api/v1/me/requests/?page_size=4").json()["results"]]
    assert api.get("/api/v1/me/requests/?page=9").json()["code"] == "not_found"


def test_a_head_request_is_not_a_download_and_is_not_audited(api, make_request):
    done = make_request("access", status="completed", completed_at=timezone.now())
    request_file_store(request=done, kind=RequestFile.Kind.ACCESS_REPORT, source=io.BytesIO(b"<p>report</p>"))
    assert api.head(f"/api/v1/me/requests/{done.pk}/download/").status_code == 405
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()


def test_a_missing_file_answers_503_and_is_kept_as_on_the_page(api, make_request):
    from django.core.files.storage import default_storage

    done = make_request("access", status="completed", completed_at=timezone.now())
    stored = request_file_store(request=done, kind=RequestFile.Kind.ACCESS_REPORT, source=io.BytesIO(b"<p>r</p>"))
    default_storage.delete(stored.storage_name)
    response = api.get(f"/api/v1/me/requests/{done.pk}/download/")
    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["code"] == "file_unavailable" and "try again later" in response.json()["detail"]
    assert RequestFile.objects.get(pk=stored.pk).storage_name == stored.storage_name, "the reference is kept"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()
