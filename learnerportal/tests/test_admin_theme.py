"""The admin takes the portal's theme from the portal's own static files, after Django's, and nothing from elsewhere."""

import re

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/admin/", "/admin/rights_requests/rightsrequest/", "/admin/privacy/policyversion/add/"]


@pytest.mark.parametrize("path", PAGES)
def test_admin_pages_load_the_portal_s_theme_after_django_s_and_only_from_the_portal(
    client, verified_login, officer, path
):
    verified_login(client, officer)
    page = client.get(path).content.decode()

    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert "/static/css/admin-theme.css" in stylesheets
    # After Django's variables and their dark set, so that its own take their place.
    assert stylesheets.index("/static/admin/css/dark_mode.css") < stylesheets.index("/static/css/admin-theme.css")
    # Nothing from a CDN or any other site: every stylesheet, script, icon and image is the portal's.
    addresses = re.findall(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="([^"]+)"', page)
    assert addresses and all(address.startswith("/") and not address.startswith("//") for address in addresses)
    assert '<a class="lp-brand" href="/admin/"><svg class="icon icon-shield"' in page


def test_the_admin_header_speaks_the_portal_s_words_and_signs_out_through_the_portal(client, verified_login, agent):
    verified_login(client, agent)
    page = client.get("/admin/").content.decode()

    assert f"Signed in as <strong>{agent.username}</strong>." in page
    assert '<a href="/">Back to the portal</a>' in page
    assert '<a href="/settings/security/">Password and security</a>' in page
    assert "Welcome," not in page and "View site" not in page and "Log out" not in page
    assert '<form id="logout-form" method="post" action="/accounts/logout/">' in page

    signed_out = client.post("/accounts/logout/", follow=True)
    assert client.get("/admin/").status_code == 302, "signed out of the admin too"
    assert "signed out" in signed_out.content.decode().lower()
