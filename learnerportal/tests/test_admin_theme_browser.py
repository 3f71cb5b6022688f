"""In Chromium: the staff admin wears the portal's logo, colours and type, light and dark, and passes axe there.

Dark comes two ways: the system prefers it (``prefers-color-scheme``), or staff pick it with
the admin's theme toggle, which also picks light on a system that prefers dark.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from learnerportal.tests.factories import TOTPDeviceFactory
from learnerportal.tests.support import sign_in
from rights_requests.models import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
QUEUE = "/admin/rights_requests/rightsrequest/"
# The portal has no dark pages: in dark, the admin's header is a teal-grey with the brand in light teal.
DARK_HEADER = "rgb(24, 36, 41)"
DARK_BRAND = "rgb(124, 200, 207)"

LOOK = """selector => {
    const style = getComputedStyle(document.querySelector(selector));
    return {background: style.backgroundColor, color: style.color, font: style.fontFamily};
}"""


@pytest.fixture
def officer_page(live_server, browser, officer, make_request):
    """Return a desktop page signed in as privacy officer priya.officer, with a queue of four requests."""
    make_request("access")
    make_request("erasure", status=Status.AWAITING_VERIFICATION)
    make_request("rectification", status=Status.APPROVED)
    now = timezone.now()
    make_request("objection", received_at=now - datetime.timedelta(days=33), due_at=now - datetime.timedelta(days=2))
    device = TOTPDeviceFactory(user=officer)
    page = browser.new_context(viewport=DESKTOP, color_scheme="light").new_page()
    sign_in(page, f"{live_server.url}/accounts/login/?next=/admin/", "priya.officer", device=device)
    expect(page.locator("#header")).to_be_visible()
    yield page
    page.context.close()


def _brand(page):
    """Return the header's link home, which must show the portal's shield and name."""
    return page.locator("#header").get_by_role("link", name="Learner Portal staff")


def test_the_admin_header_is_the_portals_in_light_and_dark(live_server, officer_page, screenshot):
    page, url = officer_page, live_server.url

    page.goto(f"{url}/")
    portal_header = page.evaluate(LOOK, ".site-header")
    portal_brand = page.evaluate(LOOK, ".brand")
    portal_text = page.evaluate(LOOK, "body")
    screenshot(page, "portal-light")

    for path, name in [("/admin/", "index"), (QUEUE, "queue")]:
        page.goto(f"{url}{path}")
        expect(_brand(page)).to_be_visible()
        expect(_brand(page).locator("svg.icon-shield")).to_be_visible()
        assert page.evaluate(LOOK, "#header")["background"] == portal_header["background"] == "rgb(255, 255, 255)"
        assert page.evaluate(LOOK, "#site-name a")["color"] == portal_brand["color"] == "rgb(20, 82, 90)"
        assert page.evaluate(LOOK, "body")["font"] == portal_text["font"]
        screenshot(page, f"{name}-light")
        if name == "index":  # "Recent actions" beside the queue at the top, not pushed below it
            queue, recent = page.locator(".rr-dashboard").bounding_box(), page.locator("#recent-actions-module")
            assert abs(recent.bounding_box()["y"] - queue["y"]) < 2
            # The link icons take the links' teal, not Django's blue, green and yellow.
            icon = page.evaluate("getComputedStyle(document.querySelector('a.viewlink'), '::before').backgroundColor")
            assert icon == page.evaluate("getComputedStyle(document.querySelector('a.viewlink')).color")
    expect(page.get_by_role("row").filter(has_text="overdue by")).to_be_visible()
    page.set_viewport_size(PHONE)  # the header stacks the name over the links, and holds them all
    header, tools = page.locator("#header").bounding_box(), page.locator("#user-tools").bounding_box()
    assert tools["y"] + tools["height"] <= header["y"] + header["height"]
    screenshot(page, "queue-light-phone")
    page.set_viewport_size(DESKTOP)
    assert page.evaluate(LOOK, "#changelist-filter h2")["background"] == "rgb(31, 111, 120)"  # the portal's teal

    # The system prefers dark: the same header, dark, its shield and name in light teal.
    page.emulate_media(color_scheme="dark")
    for path, name in [("/admin/", "index"), (QUEUE, "queue")]:
        page.goto(f"{url}{path}")
        expect(_brand(page).locator("svg.icon-shield")).to_be_visible()
        dark_header = page.evaluate(LOOK, "#header")
        assert dark_header["background"] == DARK_HEADER
        assert page.evaluate(LOOK, "#site-name a")["color"] == DARK_BRAND
        assert page.evaluate(LOOK, "body")["background"] == "rgb(17, 25, 29)"
        assert page.evaluate(LOOK, "body")["font"] == portal_text["font"]
        screenshot(page, f"{name}-dark")

    # On a dark system, the toggle picks light, which outranks the system's preference. (Links fade
    # to their new colour, so these checks wait for it.)
    toggle = page.get_by_role("button", name="Toggle theme")
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    expect(page.locator("#header")).to_have_css("background-color", portal_header["background"])
    expect(page.locator("#site-name a")).to_have_css("color", portal_brand["color"])
    expect(page.locator("body")).to_have_css("background-color", "rgb(255, 255, 255)")

    # On a light system, the toggle picks dark (its cycle: light, auto, dark); the choice stays on the next page.
    page.emulate_media(color_scheme="light")
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "auto")
    expect(page.locator("#header")).to_have_css("background-color", portal_header["background"])
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.goto(f"{url}/admin/")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.locator("#header")).to_have_css("background-color", DARK_HEADER)
    expect(page.locator("#site-name a")).to_have_css("color", DARK_BRAND)
    screenshot(page, "index-dark-by-toggle")


ADMIN_PAGES = [
    "/admin/",
    QUEUE,
    f"{QUEUE}?deadline=overdue",
    "/admin/accounts/user/",
    "/admin/compliance/auditevent/",
    "/admin/privacy/policyversion/add/",
]


def test_admin_pages_have_no_wcag_violations_light_and_dark(live_server, officer_page, axe_violations, screenshot):
    page, url = officer_page, live_server.url
    found = []
    for scheme in ["light", "dark"]:
        page.emulate_media(color_scheme=scheme)
        for path in ADMIN_PAGES:
            page.goto(f"{url}{path}")
            found.extend(f"{scheme}: {line}" for line in axe_violations(page, sizes=[DESKTOP, PHONE]))
            if path in ("/admin/", QUEUE, "/admin/privacy/policyversion/add/"):
                screenshot(page, f"{path.strip('/').split('/')[-1]}-{scheme}-phone")
            page.set_viewport_size(DESKTOP)
    page.goto(f"{url}{QUEUE}")
    page.get_by_role("link", name="DSR-TEST-").first.click()
    expect(page.locator("#content h1")).to_be_visible()
    for scheme in ["light", "dark"]:
        page.emulate_media(color_scheme=scheme)
        page.reload()  # links fade to a new scheme's colours; judge them loaded in it
        found.extend(f"{scheme}: {line}" for line in axe_violations(page))
        screenshot(page, f"request-{scheme}")
    assert found == [], "\n".join(found)
