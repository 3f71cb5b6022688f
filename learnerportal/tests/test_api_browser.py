"""In Chromium: the API docs render under the strict CSP; a learner makes a token and uses it."""

import pytest
from playwright.sync_api import expect

from accounts.models import PersonalAccessToken
from learnerportal.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_from_our_own_files_under_the_csp(live_server, page, screenshot):
    violations, outside = [], []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(live_server.url) and not request.url.startswith("data:")
            else None
        ),
    )
    response = page.goto(f"{live_server.url}/api/docs/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy
    expect(page.get_by_role("heading", name="Learner Portal API")).to_be_visible()
    expect(page.get_by_text("/api/v1/me/requests/", exact=True).first).to_be_visible()
    page.get_by_text("/api/v1/me/consents/", exact=True).first.click()  # expand an operation
    expect(page.get_by_text("Grant or withdraw a consent").first).to_be_visible()
    screenshot(page, "api-docs")
    assert violations == []
    assert outside == []  # nothing from a CDN


def test_a_learner_makes_a_token_sees_it_once_and_it_works(live_server, page, screenshot, browser):
    UserFactory(username="amara", email="amara@example.org")
    page.goto(f"{live_server.url}/accounts/login/?next=/settings/security/")
    page.get_by_label("Username or email").fill("amara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    tokens = page.get_by_role("region", name="API tokens")
    expect(tokens).to_contain_text("You have no API tokens.")
    tokens.get_by_role("link", name="Make a new token").click()
    page.get_by_label("What is this token for?").fill("Study planner")
    page.get_by_label("Read and write", exact=False).check()
    page.get_by_label("Expires after").select_option("90")
    page.get_by_role("button", name="Make the token").click()

    expect(page.get_by_role("heading", name="Your new API token “Study planner”")).to_be_visible()
    raw = page.locator("#api-token").inner_text()
    assert raw.startswith("lpat_")
    screenshot(page, "token-shown-once")

    api = page.request.get(f"{live_server.url}/api/v1/me/privacy/", headers={"Authorization": f"Bearer {raw}"})
    assert api.status == 200 and api.json()["fields"]["full_name"] == "private"

    # The docs page's "Try it out" with the session: writes carry the page's CSRF token.
    page.goto(f"{live_server.url}/api/docs/")
    status = page.evaluate(
        """() => fetch("/api/v1/me/consents/", {method: "POST", headers: {"Content-Type": "application/json",
             "X-CSRFToken": document.getElementById("swagger-ui").dataset.csrfToken},
             body: JSON.stringify({purpose: "research", granted: true})}).then(r => r.status)"""
    )
    assert status == 200
    page.goto(f"{live_server.url}/settings/security/")
    tokens = page.get_by_role("region", name="API tokens")
    expect(tokens).to_contain_text("Study planner")
    expect(tokens).to_contain_text("Read and write")
    assert raw not in page.content()
    screenshot(page, "security-tab-tokens")
    tokens.get_by_role("button", name="Revoke the token Study planner").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    assert PersonalAccessToken.objects.get().revoked_at is not None
    fresh = browser.new_context()  # no session cookie: the token alone
    refused = fresh.request.get(f"{live_server.url}/api/v1/me/privacy/", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status == 401 and refused.json()["code"] == "invalid_token"
    fresh.close()
