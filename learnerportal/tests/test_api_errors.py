"""Bad input is a JSON 4xx with a stable code, never a 500; too many requests are a 429 with Retry-After."""

import datetime
import io
import json

import pytest
import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.exceptions import ValidationError

from accounts import conf as accounts_conf
from learnerportal.api.errors import exception_handler
from learnerportal.tests.factories import UserFactory
from learnerportal.tests.support import make_token, token_client

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) >= {"code", "detail", "fields"} and body["code"] == code and body["detail"]
    return body


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status", "code"),
    [
        ("/api/v1/me/requests/", '{"type": "access",', "application/json", 400, "parse_error"),
        ("/api/v1/me/requests/", "type=access", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("/api/v1/me/requests/", "[]", "application/json", 400, "invalid"),
        ("/api/v1/me/requests/", "null", "application/json", 400, "invalid"),
        ("/api/v1/me/requests/", '"access"', "application/json", 400, "invalid"),
        ("/api/v1/me/consents/", "\x00\xff", "application/json", 400, "parse_error"),
        (
            "/api/v1/me/requests/",
            '{"details": ' + "[" * 5000 + "]" * 5000 + "}",
            "application/json",
            400,
            "parse_error",
        ),
        (
            "/api/v1/me/consents/",
            '{"purpose": "research", "granted": true, "x": 1}',
            "application/json",
            400,
            "invalid",
        ),
        # A lone surrogate is valid JSON but not text; in a key it used to be echoed into a 500.
        (
            "/api/v1/me/requests/",
            '{"type": "access", "details": {"\\ud800": 1}}',
            "application/json",
            400,
            "parse_error",
        ),
        (
            "/api/v1/me/consents/",
            '{"purpose": "research\\udfff", "granted": true}',
            "application/json",
            400,
            "parse_error",
        ),
        ("/api/v1/me/privacy/", "", "application/json", 405, "method_not_allowed"),
        (
            "/api/v1/me/requests/00000000-0000-0000-0000-000000000000/withdraw/",
            "",
            "application/json",
            404,
            "not_found",
        ),
        ("/api/v1/me/requests/not-a-uuid/withdraw/", "", "application/json", 404, "not_found"),
        ("/api/v1/nothing-here/", "{}", "application/json", 404, "not_found"),
    ],
)
def test_bad_posts_answer_json_errors(api, path, body, content_type, status, code):
    assert_error(api.post(path, body, content_type=content_type), status, code)


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/me/requests/?page=0", 404, "not_found"),
        ("/api/v1/me/requests/?page=abc", 404, "not_found"),
        ("/api/v1/me/requests/?page_size=0", 400, "invalid"),
        ("/api/v1/me/requests/?page_size=1000", 400, "invalid"),
        ("/api/v1/me/consents/history/?page_size=-1", 400, "invalid"),
        ("/api/v1/me/consents/?page_size=%C2%B2", 400, "invalid"),  # "²" is a digit to str.isdigit
        ("/api/v1/learners/%00/", 404, "not_found"),
        ("/api/v1/learners/" + "a" * 300 + "/", 404, "not_found"),
        ("/api/", 404, "not_found"),
    ],
)
def test_bad_addresses_and_parameters_answer_json_errors(api, path, status, code):
    assert_error(api.get(path), status, code)


def test_a_privacy_change_naming_a_lone_surrogate_field_is_a_400_and_changes_nothing(api):
    before = api.get("/api/v1/me/privacy/").json()
    body = '{"fields": {"\\ud800": "public", "bio": "public"}}'
    assert_error(api.patch("/api/v1/me/privacy/", body, content_type="application/json"), 400, "parse_error")
    assert api.get("/api/v1/me/privacy/").json() == before


def test_a_json_body_over_the_size_limit_is_a_json_413(api):
    body = '{"bio": "' + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}'
    assert_error(api.patch("/api/v1/me/profile/", body, content_type="application/json"), 413, "too_large")


def test_a_multipart_field_over_the_size_limit_is_a_json_413(api):
    response = api.patch(
        "/api/v1/me/profile/",
        encode_multipart(BOUNDARY, {"bio": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}),
        content_type=MULTIPART_CONTENT,
    )
    assert_error(response, 413, "too_large")


def test_an_address_without_its_trailing_slash_is_a_404_that_names_the_right_one(api):
    body = assert_error(api.get("/api/v1/me/profile"), 404, "not_found")
    assert "Did you mean /api/v1/me/profile/ (with the trailing slash)?" in body["detail"]
    assert "Did you mean" not in api.get("/api/v1/me/nothing").json()["detail"]


def test_a_session_that_is_not_signed_in_gets_json_not_the_sign_in_page():
    body = assert_error(Client().get("/api/v1/me/requests/"), 401, "not_authenticated")
    assert body["fields"] == {}


def test_the_schema_is_public_and_the_docs_page_loads_our_own_files():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.") and "/api/v1/me/requests/" in spec["paths"]
    assert set(spec["components"]["securitySchemes"]) == {"personalAccessToken", "browserSession"}
    page = Client().get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "<script>" not in page and "http" not in page.split("<body>")[1].split("</body>")[0].replace("href", "")


def test_every_error_code_the_api_uses_is_documented_with_an_example():
    from learnerportal.api.errors import ERROR_CODES

    spec = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert spec["components"]["schemas"]["Error"]["properties"]["code"]["allOf"][0]["$ref"].endswith("/ErrorCodeEnum")
    documented = set(spec["components"]["schemas"]["ErrorCodeEnum"]["enum"])
    assert documented == set(ERROR_CODES)
    examples = str(spec["paths"])
    # 405 answers methods no operation offers, so no operation lists it.
    for code in set(ERROR_CODES) - {"method_not_allowed"}:
        assert f"'code': '{code}'" in examples, f"{code} has no example"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert "500" in operation["responses"], f"{method} {path}"
            success = next(answer for status, answer in operation["responses"].items() if status.startswith("2"))
            json_answer = "application/json" in success.get("content", {})
            assert ("406" in operation["responses"]) == json_answer, f"{method} {path}"
            if "requestBody" in operation:
                assert {"400", "415"} <= set(operation["responses"]), f"{method} {path}"
                assert "parse_error" in str(operation["responses"]["400"]), f"{method} {path}"


def test_every_json_success_answer_has_an_example():
    spec = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status.startswith("2") and "application/json" in response.get("content", {})
        if not response["content"]["application/json"].get("examples")
    ]
    assert missing == []


@override_settings(
    REST_FRAMEWORK={
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "3/minute", "api_ip": "5/minute"},
    }
)
def test_too_many_requests_per_user_and_per_ip_answer_429_with_retry_after():
    """Three at 10:00:05 fill the minute: the next one fits at 10:01:05, when the first of them leaves it."""
    learner = UserFactory(username="busy")
    client = token_client(make_token(learner, scope="read"))
    with time_machine.travel(datetime.datetime(2027, 1, 4, 10, 0, 5, tzinfo=datetime.UTC), tick=False):
        statuses = [client.get("/api/v1/me/privacy/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/api/v1/me/privacy/")
        body = assert_error(limited, 429, "throttled")
        assert limited["Retry-After"] == "60" and body["fields"] == {}
        # Another user from the same address still has a little room, then the address is limited too,
        # even for requests with no or bad credentials (the IP limit is checked before anything else).
        other = token_client(make_token(UserFactory(), scope="read"))
        assert other.get("/api/v1/me/privacy/").status_code == 429  # the address made 5 already
        assert_error(Client(HTTP_AUTHORIZATION="Bearer lpat_guess").get("/api/v1/me/privacy/"), 429, "throttled")


@pytest.mark.parametrize("backend", ["redis", "database"])
def test_no_span_of_a_minute_holds_more_than_the_limit_across_a_minutes_edge_and_retry_after_says_when(
    request, settings, backend
):
    """Three at 10:00:59 and more at 10:01:20 and 10:01:40 would be five within 41 s: they wait until 10:01:59."""
    # Through the settings fixture alone: mixed with @override_settings, its undoing would bring the limit back.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "3/minute", "api_ip": "100/minute"},
    }
    if backend == "database":
        request.getfixturevalue("database_cache")
    client = token_client(make_token(UserFactory(username="steady"), scope="read"))
    start = datetime.datetime(2027, 1, 4, 10, 0, 59, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert [client.get("/api/v1/me/privacy/").status_code for _ in range(3)] == [200, 200, 200]
        for later in (21, 41):  # 10:01:20 and 10:01:40, a new minute
            clock.move_to(start + datetime.timedelta(seconds=later))
            limited = client.get("/api/v1/me/privacy/")
            assert_error(limited, 429, "throttled")
            assert limited["Retry-After"] == str(60 - later), "when the first of the three leaves the minute"
        clock.move_to(start + datetime.timedelta(seconds=59.5))
        assert client.get("/api/v1/me/privacy/").status_code == 429
        clock.move_to(start + datetime.timedelta(seconds=60))
        assert client.get("/api/v1/me/privacy/").status_code == 200


@pytest.mark.parametrize("scope", ["read", "read_write"])
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_method_an_endpoint_does_not_take_is_a_405_whatever_the_token_may_do(scope, method):
    client = token_client(make_token(UserFactory(username="yuki"), scope=scope))
    response = client.generic(method, "/api/v1/me/privacy/", "{}", content_type="application/json")
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, PATCH, HEAD, OPTIONS"


def test_a_photo_file_over_the_size_limit_is_refused_before_it_is_read(api):
    big = io.BytesIO(b"\xff\xd8" + b"0" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + accounts_conf.PHOTO_MAX_BYTES))
    big.name = "huge.jpg"
    response = api.patch(
        "/api/v1/me/profile/", encode_multipart(BOUNDARY, {"photo": big}), content_type=MULTIPART_CONTENT
    )
    assert_error(response, 413, "too_large")


def test_an_unexpected_error_under_the_api_is_json_and_elsewhere_the_500_page(api, monkeypatch):
    from privacy import api as privacy_api

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(privacy_api, "_privacy_settings", broken)
    monkeypatch.setattr(privacy_api, "_consent_rows", broken)
    api.raise_request_exception = False
    body = assert_error(api.get("/api/v1/me/privacy/"), 500, "server_error")
    assert "a bug" not in str(body)
    page = Client(raise_request_exception=False)
    page.force_login(UserFactory(username="pageviewer"))
    monkeypatch.setattr("privacy.views.consent_states", broken)
    response = page.get("/settings/privacy/")
    assert response.status_code == 500 and "Something went wrong on our side" in response.content.decode()


def test_a_nul_in_a_page_address_is_the_400_page_not_a_server_error(client):
    response = client.get("/admin/rights_requests/rightsrequest/?status__exact=%00")
    assert response.status_code == 400 and "We could not read that address" in response.content.decode()


def test_any_validation_error_is_answered_briefly_whatever_its_shape():
    detail = {
        "details": {"items": [{"name": ["x" * 10_000 + " is too long."]} for _ in range(1000)]},
        "tags": ["Not a tag."] * 1000,
    }

    body = exception_handler(ValidationError(detail), {}).data

    assert body["code"] == "invalid"
    assert body["detail"] == "Some values are not valid. 1001 fields have problems; `fields` names the first 20."
    assert list(body["fields"])[:2] == ["details.items.0.name", "details.items.1.name"]
    assert body["fields"]["details.items.0.name"][0].endswith("xxx is too long.")
    assert len(json.dumps(body)) < 10_000
