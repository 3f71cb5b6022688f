"""Every page is sent with the security headers a privacy portal needs."""

import pytest

from learnerportal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/", "/settings/account/", "/settings/privacy/", "/settings/security/", "/learners/learner-self/"]
)
def test_pages_forbid_third_party_content_and_framing(client, path):
    client.force_login(UserFactory(username="learner-self"))
    response = client.get(path)

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy, "nothing may load from another origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"])
def test_public_pages_are_sent_with_the_same_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
