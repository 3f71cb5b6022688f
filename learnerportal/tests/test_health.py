"""``/healthz`` for a load balancer; a process started with an old encryption key: a clear 503, not 500s."""

import socket

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learnerportal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD_KEY = django_settings.ENCRYPTION_KEYS[0]
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def rotated_elsewhere(settings, learner):
    """The learner's phone saved by a process holding the new key; this process holds only the old one."""
    settings.ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    learner.profile.phone = "+44 7700 900123"
    learner.profile.save(update_fields=["phone"])
    settings.ENCRYPTION_KEYS = [OLD_KEY]
    return learner


def test_healthz_answers_ok_when_everything_is_reachable(client, learner):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok", "encryption": "ok"},
    }


def test_healthz_fails_in_a_process_without_the_current_key(client, rotated_elsewhere, log_lines):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["encryption"] == "failing"
    assert response.json()["status"] == "unavailable"
    assert [line for line in log_lines() if " ERROR " in line and "encryption" in line]


def test_healthz_fails_when_the_file_storage_is_gone(client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "not-mounted"},
        },
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "storage": "failing", "encryption": "ok"}


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_fails_when_the_cache_is_unreachable(client, settings, log_lines):
    port = _closed_port()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "failing", "storage": "ok", "encryption": "ok"},
    }
    # The log says which check failed and the error's type; neither the body nor the log names the server.
    assert [line for line in log_lines() if " ERROR " in line and "cache failed: ConnectionError" in line]
    assert str(port) not in response.content.decode() + "\n".join(log_lines())


def test_healthz_answers_ok_with_the_database_cache(client, settings):
    """The production default without REDIS_URL: its table exists once the database is migrated."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"}
    }

    response = client.get("/healthz")

    assert response.status_code == 200 and response.json()["checks"]["cache"] == "ok"


def test_a_load_balancer_probes_over_plain_http_without_redirect_cookie_write_or_limit(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "1/minute", "api_ip": "1/minute"},
    }

    with CaptureQueriesContext(connection) as queries:
        answers = [client.get("/healthz") for _ in range(5)]

    assert [answer.status_code for answer in answers] == [200] * 5
    assert all(not answer.cookies for answer in answers)
    assert answers[0]["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert all(query["sql"].startswith("SELECT") for query in queries.captured_queries)  # reads only
    assert client.get("/").status_code == 301  # every other page goes to HTTPS


@pytest.mark.parametrize("path", ["/", "/settings/account/", "/settings/privacy/", "/learners/noor/"])
def test_pages_answer_503_not_500_in_a_process_without_the_current_key(client, rotated_elsewhere, log_lines, path):
    client.force_login(rotated_elsewhere)
    client.raise_request_exception = False

    response = client.get(path)

    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()
    errors = [line for line in log_lines() if " ERROR " in line]
    assert len(errors) == 1 and "Service Unavailable" in errors[0]
    logged = "\n".join(log_lines())
    assert "PORTAL_ENCRYPTION_KEYS" in logged and "accounts_profile.phone" in logged
    assert "7700 900" not in logged and "noor" not in logged


def test_the_api_answers_503_json_in_a_process_without_the_current_key(client, rotated_elsewhere):
    client.force_login(rotated_elsewhere)
    client.raise_request_exception = False

    response = client.get("/api/v1/me/profile/")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert "7700 900" not in response.content.decode()


def test_another_learner_is_served_by_the_same_process(client, rotated_elsewhere):
    client.force_login(UserFactory(username="efua"))

    assert client.get("/settings/account/").status_code == 200


def test_pages_and_the_api_answer_503_while_the_database_is_unreachable(client, monkeypatch):
    """Nothing is wrong with the request: 503 with Retry-After, so clients and load balancers try again."""
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    client.raise_request_exception = False
    monkeypatch.setattr(CursorWrapper, "execute", unreachable)
    page = client.get("/learners/amara/")
    api = client.get("/api/v1/learners/amara/")
    monkeypatch.undo()

    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "temporarily unavailable" in page.content.decode()
    assert api.status_code == 503 and api.json()["code"] == "service_unavailable" and api["Retry-After"] == "30"


def test_pages_and_the_api_answer_503_while_the_cache_is_unreachable(client, learner, settings):
    """The limits and session notes live in the cache: without it, try again later, as without the database."""
    client.force_login(learner)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    client.raise_request_exception = False

    page = client.get("/settings/account/")
    api = client.get("/api/v1/me/profile/")

    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "temporarily unavailable" in page.content.decode()
    assert api.status_code == 503 and api.json()["code"] == "service_unavailable" and api["Retry-After"] == "30"
