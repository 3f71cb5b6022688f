"""Configuration: production passes Django's deployment checks and refuses to run without keys; debug runs without."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides):
    """Return the environment of a production process: secure, no debug, its own secret and keys."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PORTAL_")) and key not in {"AXES_FAILURE_LIMIT", "AXES_COOLOFF_MINUTES"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "learnerportal.settings",
        "DJANGO_SECURE": "1",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        "PORTAL_BASE_URL": "https://portal.example.org",
        "PORTAL_ENCRYPTION_KEYS": "Drmx57uB719anU_7ivvfimUQ8pHqx71FUqAxpbj4FB0=",
    }
    return {key: value for key, value in (env | overrides).items() if value is not None}


def manage(*args, env):
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_nothing_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_does_complain_when_https_settings_are_off():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(DJANGO_SECURE=None))
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W012" in result.stderr  # HSTS, session cookie


@pytest.mark.parametrize("missing", ["PORTAL_ENCRYPTION_KEYS", "DJANGO_SECRET_KEY"])
def test_production_refuses_to_start_without_keys(missing):
    result = manage("check", env=production_env(**{missing: None}))
    assert result.returncode != 0 and missing in result.stderr


@pytest.mark.parametrize("keys", ["notakey", "Drmx57uB719anU_7ivvfimUQ8pHqx71FUqAxpbj4FB0=,short"])
def test_production_refuses_to_start_with_a_malformed_key_and_does_not_print_it(keys):
    result = manage("check", env=production_env(PORTAL_ENCRYPTION_KEYS=keys))
    position = len(keys.split(","))
    assert result.returncode != 0
    assert f"PORTAL_ENCRYPTION_KEYS: key {position} is not a Fernet key" in result.stderr
    assert "notakey" not in result.stderr and "short" not in result.stderr.replace("shortcut", "")


def setting_values(*names, env):
    """Return the values of the settings ``names`` as a process started with ``env`` has them, as text."""
    code = f"from django.conf import settings; print(*(repr(getattr(settings, n)) for n in {names!r}), sep='|')"
    result = manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


@pytest.mark.parametrize(("value", "count"), [(None, "0"), ("", "0"), ("  ", "0"), ("1", "1"), (" 2 ", "2")])
def test_the_trusted_proxy_count_is_zero_when_unset_or_empty(value, count):
    assert setting_values("TRUSTED_PROXY_COUNT", env=production_env(DJANGO_TRUSTED_PROXY_COUNT=value)) == [count]


def test_empty_number_settings_take_their_defaults():
    env = production_env(
        DJANGO_CONN_MAX_AGE="",
        EMAIL_PORT="",
        AXES_FAILURE_LIMIT="",
        AXES_COOLOFF_MINUTES="",
        DJANGO_TRUSTED_PROXY_COUNT="",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    assert setting_values("AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "TRUSTED_PROXY_COUNT", env=env) == [
        "5",
        "datetime.timedelta(seconds=900)",
        "0",
    ]


@pytest.mark.parametrize(
    ("variable", "value", "least"),
    [
        ("DJANGO_TRUSTED_PROXY_COUNT", "one", 0),
        ("DJANGO_TRUSTED_PROXY_COUNT", "-1", 0),
        ("DJANGO_TRUSTED_PROXY_COUNT", "1.5", 0),
        ("DJANGO_TRUSTED_PROXY_COUNT", "²", 0),
        ("AXES_FAILURE_LIMIT", "0", 1),
        ("DJANGO_CONN_MAX_AGE", "sixty", 0),
    ],
)
def test_a_number_setting_that_is_not_one_stops_the_start_naming_the_variable(variable, value, least):
    result = manage("check", env=production_env(**{variable: value}))
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {variable} must be a whole number, {least} or more, not {value!r}." in result.stderr


@pytest.mark.parametrize(("secure", "header"), [("1", "('HTTP_X_FORWARDED_PROTO', 'https')"), (None, "None")])
def test_x_forwarded_proto_is_read_only_behind_the_tls_proxy(secure, header):
    """Without DJANGO_SECURE, a client's X-Forwarded-Proto must not make a plain request count as HTTPS."""
    assert setting_values("SECURE_PROXY_SSL_HEADER", env=production_env(DJANGO_SECURE=secure)) == [header]


@pytest.mark.django_db
def test_pages_send_the_security_headers_and_a_csp_without_unsafe_inline():
    response = Client().get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    # Scripts only from the portal itself (a nonce is added on pages that use one), never inline.
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp and "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(response["X-Request-ID"]) == 36
    cookie = response.cookies["csrftoken"]
    assert cookie["samesite"] == "Lax"


def test_uploaded_files_have_no_url_of_their_own():
    """Photos and export files are reachable only through views that check access, never by a storage URL."""
    from django.core.files.storage import default_storage
    from django.urls import Resolver404, resolve

    storage_url = "/" + default_storage.url("profile-photos/any.jpg").lstrip("/")
    for path in (storage_url, "/media/profile-photos/any.jpg", "/var/media/rights-requests/any.bin"):
        with pytest.raises(Resolver404):
            resolve(path)


def test_plain_http_goes_to_the_public_address_with_the_security_headers_whatever_the_host():
    """The HTTPS redirect never reads the Host it was sent (a bad one was a 400 without headers)."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "response = Client().get('/settings/?tab=1', HTTP_HOST='evil.example')\n"
        "print(response.status_code, response['Location'])\n"
        "for header in ('Content-Security-Policy', 'X-Frame-Options', 'X-Content-Type-Options', 'Referrer-Policy'):\n"
        "    print(header, response.get(header))\n"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", script], cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "301 https://portal.example.org/settings/?tab=1"
    assert "default-src 'self'" in lines[1] and lines[2:] == [
        "X-Frame-Options DENY",
        "X-Content-Type-Options nosniff",
        "Referrer-Policy same-origin",
    ]


def test_debug_without_keys_encrypts_with_the_development_key_and_says_so():
    """Development needs no key of its own, yet is never silent about using the published one."""
    env = production_env(
        DJANGO_DEBUG="1", DJANGO_SECURE=None, DJANGO_SECRET_KEY=None, PORTAL_ENCRYPTION_KEYS=None, PORTAL_BASE_URL=None
    )
    check = manage("check", env=env)
    assert check.returncode == 0, check.stderr
    assert "learnerportal.W001" in check.stderr and "development key" in check.stderr
    script = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from accounts.models import Profile\n"
        "phone = Profile._meta.get_field('phone')\n"
        "stored = phone.get_db_prep_value('+44 7700 900123', connection)\n"
        "print(stored.startswith('gAAAAA'), phone.from_db_value(stored, None, connection))\n"
    )
    written = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == "True +44 7700 900123", "an encrypted field is written and read back"


def test_a_mail_server_that_never_answers_does_not_hold_the_sender_for_good():
    """An SMTP server that accepts and stays silent: the send gives up after EMAIL_TIMEOUT, then retries apply."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        env = production_env(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(silent.getsockname()[1]), EMAIL_TIMEOUT="1")
        script = "from django.core.mail import send_mail; send_mail('s', 'b', None, ['someone@example.org'])"
        result = manage("shell", "-c", script, env=env)
    finally:
        silent.close()
    assert result.returncode != 0 and "timed out" in result.stderr
