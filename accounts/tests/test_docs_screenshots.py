"""`make screenshots`: refresh docs/screenshots/ (key pages, desktop and phone) from the demo data.

Not part of `make test` (marker ``screenshots``); each page is still checked for
what it must show, so a screenshot of a broken page is never kept.
"""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.models import TOTPDevice, User
from rights_requests.services import request_submit

pytestmark = [pytest.mark.browser, pytest.mark.screenshots, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 360, "height": 780}}
DEMO_PASSWORD = "learn-with-privacy"


def sign_in(page, url, username, code=None):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if code is not None:
        page.get_by_label("Code").fill(code())
        page.get_by_role("button", name="Sign in").click()


def test_refresh_readme_screenshots(live_server, browser):
    with override_settings(DEBUG=True):  # seed_demo is for development only
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    DOCS.mkdir(parents=True, exist_ok=True)
    url = live_server.url
    amara = User.objects.get(username="amara")
    request_submit(actor=amara, subject=amara, request_type="access")  # carried out at once here
    for size_name, size in SIZES.items():
        context = browser.new_context(viewport=size)
        page = context.new_page()

        def keep(page, name, size_name=size_name):
            page.screenshot(path=str(DOCS / f"{name}-{size_name}.png"))

        sign_in(page, url, "amara")
        expect(page.get_by_role("heading", name="Your privacy")).to_be_visible()
        keep(page, "dashboard")
        page.goto(f"{url}/settings/privacy/?view_as=learners")
        expect(page.get_by_role("heading", name="Who can see your profile")).to_be_visible()
        keep(page, "privacy-tab")
        page.get_by_role("button", name="Save privacy settings").click()
        expect(page.get_by_role("status")).to_contain_text("Your privacy settings are saved.")
        keep(page, "privacy-saved")

        page.goto(f"{url}/settings/data/")
        expect(page.get_by_role("heading", name="Your data rights")).to_be_visible()
        keep(page, "your-data")
        page.locator(".requests-table").get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="History")).to_be_visible()
        keep(page, "request-detail")
        context.close()

    device = TOTPDevice.objects.get(user__username="sam.support", confirmed=True)
    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    sign_in(page, url, "sam.support", code=lambda: f"{TOTP(device.bin_key).token():06d}")
    page.goto(f"{url}/admin/rights_requests/rightsrequest/")
    expect(page.get_by_role("row").filter(has_text="DSR-")).not_to_have_count(0)
    page.screenshot(path=str(DOCS / "admin-queue-desktop.png"))
    context.close()
