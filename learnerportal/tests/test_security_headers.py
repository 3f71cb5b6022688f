"""Every answer carries the security headers: pages, error pages, the API and requests refused early."""

import pytest
from django.test import Client

from learnerportal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def assert_security_headers(response):
    """Assert the headers every answer must carry (settings.SECURE_CSP and friends)."""
    csp = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    assert response.get("X-Frame-Options") == "DENY"
    assert response.get("X-Content-Type-Options") == "nosniff"
    assert response.get("Referrer-Policy") == "same-origin"


def signed_in_learner():
    client = Client()
    client.force_login(UserFactory())
    return client


@pytest.mark.parametrize(
    ("make_client", "method", "path", "extra", "status"),
    [
        # Refused before any view: a NUL in the query, a Host not in ALLOWED_HOSTS (page and API).
        (Client, "get", "/admin/?q=%00", {}, 400),
        (Client, "get", "/", {"HTTP_HOST": "evil.example"}, 400),
        (Client, "get", "/api/v1/me/profile/", {"HTTP_HOST": "evil.example"}, 400),
        (Client, "get", "/no-such-page/", {}, 404),
        (Client, "get", "/accounts/logout/", {}, 405),
        (lambda: Client(enforce_csrf_checks=True), "post", "/accounts/login/", {}, 403),  # no CSRF token
        (signed_in_learner, "get", "/admin/login/", {}, 403),  # the admin is for staff
        (Client, "get", "/api/v1/me/profile/", {}, 401),
    ],
)
def test_every_kind_of_answer_carries_the_security_headers(make_client, method, path, extra, status):
    response = getattr(make_client(), method)(path, **extra)
    assert response.status_code == status
    assert_security_headers(response)


def test_the_500_page_carries_the_security_headers(monkeypatch):
    def fail():
        raise RuntimeError("the notice could not be built")

    monkeypatch.setattr("privacy.views.privacy_notice", fail)
    response = Client(raise_request_exception=False).get("/privacy/notice/")
    assert response.status_code == 500
    assert_security_headers(response)
