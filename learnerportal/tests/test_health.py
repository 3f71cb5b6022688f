"""A process started with an old encryption key: a clear 503 and a failing /healthz, not 500s."""

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings

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
    assert "7700" not in logged and "noor" not in logged


def test_the_api_answers_503_json_in_a_process_without_the_current_key(client, rotated_elsewhere):
    client.force_login(rotated_elsewhere)
    client.raise_request_exception = False

    response = client.get("/api/v1/me/profile/")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert "7700" not in response.content.decode()


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
