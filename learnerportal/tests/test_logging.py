"""What reaches the log: time, level, logger and request id on each line, one line per failure, no personal data."""

import json
import re
from unittest import mock

import pytest
from django.test import override_settings

from accounts.tasks import send_account_notice
from learnerportal.tests.factories import RequestEventFactory, UserFactory
from learnerportal.tests.support import REFUSING_MAILERS
from rights_requests.tasks import send_request_email

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 ")


def lines_of(log_lines, text):
    return [line for line in log_lines() if text in line]


@pytest.mark.django_db
def test_a_request_line_carries_time_level_logger_and_the_request_id(client, log_lines):
    response = client.get("/learners/nobody-by-this-name/")

    assert response.status_code == 404
    [line] = lines_of(log_lines, "Not Found")
    assert TIMESTAMP.match(line)
    assert " WARNING django.request " in line
    assert f"req={response['X-Request-ID']}" in line


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/learners/{}/", "/api/v1/learners/{}/", "/learners/{}/photo/"])
def test_a_not_found_line_names_the_url_pattern_not_the_username(client, log_lines, path):
    UserFactory(username="hidden.kofi")  # exists, but has no public profile

    response = client.get(path.format("hidden.kofi"))

    assert response.status_code == 404
    assert lines_of(log_lines, "Not Found"), "the 404 is still logged"
    assert not lines_of(log_lines, "kofi")
    assert lines_of(log_lines, "/learners/<username:username>/")


@pytest.mark.django_db
def test_an_address_that_matches_no_pattern_is_not_logged(client, log_lines):
    client.get("/someone@example.org/amara.mensah/")

    assert not lines_of(log_lines, "amara") and not lines_of(log_lines, "someone")
    assert lines_of(log_lines, "Not Found: <no matching URL>")


@pytest.mark.django_db
def test_a_failure_in_middleware_is_one_error_line(client, log_lines):
    client.force_login(UserFactory())
    client.raise_request_exception = False

    # Reading the signed-in user fails: every middleware that looks at request.user fails again.
    with mock.patch("accounts.backends.UsernameOrEmailBackend.get_user", side_effect=RuntimeError("database gone")):
        response = client.get("/settings/account/")

    assert response.status_code == 500
    errors = [line for line in log_lines() if " ERROR " in line]
    assert len(errors) == 1, errors
    assert f"req={response['X-Request-ID']}" in errors[0]


@pytest.mark.django_db
@pytest.mark.parametrize("log_lines", ["json"], indirect=True)
def test_json_lines_parse_and_carry_the_same_fields(client, log_lines):
    response = client.get("/learners/nobody-by-this-name/")

    entries = [json.loads(line) for line in log_lines()]
    [entry] = [entry for entry in entries if entry["message"].startswith("Not Found")]
    assert entry["level"] == "WARNING" and entry["logger"] == "django.request"
    assert entry["request_id"] == response["X-Request-ID"]
    assert TIMESTAMP.match(entry["time"] + " ")
    assert "nobody" not in json.dumps(entries)


@pytest.mark.django_db
@pytest.mark.parametrize("log_lines", ["text", "json"], indirect=True)
@override_settings(MAILERS=REFUSING_MAILERS)
def test_an_smtp_error_does_not_log_the_recipient(log_lines):
    user = UserFactory(email="kofi.refused@example.org")

    send_account_notice.enqueue(user_id=user.pk, subject="Your sign-in changed", what="Your password changed.")

    assert lines_of(log_lines, "SMTPRecipientsRefused"), "the failure is still logged"
    assert not lines_of(log_lines, "kofi.refused")


@pytest.mark.django_db
@override_settings(MAILERS=REFUSING_MAILERS)
def test_a_failed_task_line_names_the_rights_request_not_the_learner(make_request, log_lines):
    request = make_request()
    event = RequestEventFactory(request=request)

    send_request_email.enqueue(event_id=event.pk)

    [failed] = [line for line in log_lines() if " ERROR django.tasks " in line]
    assert f"ref={request.reference}]" in failed and "state=FAILED" in failed
    assert not lines_of(log_lines, "noor")


def test_the_home_page_is_logged_as_its_pattern_not_as_no_match():
    from django.test import RequestFactory

    from learnerportal.log import route_of

    assert route_of(RequestFactory().get("/")) == "/"
    assert route_of(RequestFactory().get("/learners/amara/")) == "/learners/<username:username>/"
