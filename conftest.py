"""Project-wide pytest configuration: browser set-up for Playwright tests."""

import os
import shutil
import warnings
from pathlib import Path

import pytest

# pytest-playwright runs an event loop in the test thread; the live server's
# database set-up is synchronous Django code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (Playwright's own download cannot work on these machines)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("Browser tests need Chromium: .ci/run installs it (apt-get install chromium).")
    skip = pytest.mark.skip(reason="Chromium not installed: apt-get install chromium (CI installs it).")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def screenshot(request):
    """Return ``save(page, name)``, which keeps a full-page PNG under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name):
        from playwright.sync_api import Error as PlaywrightError

        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        # A screenshot is an artifact for people, not an assertion: a busy machine's
        # occasional capture error must not fail the test.
        for attempt in range(3):
            try:
                page.screenshot(path=str(path), full_page=True)
                return path
            except PlaywrightError:
                page.wait_for_timeout(300 * (attempt + 1))
        warnings.warn(f"Could not capture the screenshot {path.name}", stacklevel=2)
        return None

    return save


@pytest.fixture
def verified_login():
    """Return ``login(client, user)``: sign ``user`` in with a confirmed TOTP device, second factor passed.

    Staff need this to reach the admin site, which refuses sessions without 2FA.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def login(client, user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "Test phone"})
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    return login
