"""Helpers the tests of every app share: acting as someone (API tokens, sign-in, authenticator codes), reading pages.

Rows come from ``factories``; fixtures are in the root ``conftest.py``.
"""

import re

from django.test import Client
from django_otp.oath import TOTP

from accounts.services import personal_access_token_create
from learnerportal.tests.factories import PASSWORD


def code_for(device, at=None):
    """Return the code an authenticator app shows for ``device`` at ``at`` (default: now), RFC 6238."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    if at is not None:
        totp.time = at.timestamp()
    return f"{totp.token():06d}"


def make_token(user, scope="read_write", lifetime_days=30, name="Test script"):
    """Return the text of a new personal access token of ``user``."""
    _, raw = personal_access_token_create(actor=user, user=user, name=name, scope=scope, lifetime_days=lifetime_days)
    return raw


def token_client(raw_token):
    """Return a client that sends ``raw_token`` as a Bearer token and no session cookie."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")


def password_step_client(user):
    """Return a client that signed in with ``user``'s password and waits at the two-factor code step."""
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/login/code/" in response["Location"]
    return client


def sign_in(page, url, username, device=None):
    """Sign ``username`` in with ``PASSWORD`` in a Playwright ``page`` at ``url`` (the sign-in page or one behind it).

    With ``device`` (a TOTP device), type its current code at the second step too.
    """
    page.goto(url)
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.get_by_label("Code").fill(code_for(device))
        page.get_by_role("button", name="Sign in").click()


def checked_radios(page):
    """Return ``{name: value}`` of the checked radio buttons in an HTML page."""
    checked = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="radio"' in tag and re.search(r"\schecked\b", tag):
            checked[re.search(r'name="([^"]+)"', tag)[1]] = re.search(r'value="([^"]+)"', tag)[1]
    return checked
