"""In Chromium: the learner's pages laid out right to left (``<html dir="rtl">``) neither overflow nor overlap.

The stylesheets use logical properties (``margin-inline-start``, ``inset-inline-end``, ``text-align:
start``…), so a right-to-left language mirrors the layout without a stylesheet of its own. Each page
is checked at 360 px and 1280 px, left to right and right to left; screenshots are kept.
"""

import pytest

from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, ProfileVisibilityFactory
from learnerportal.tests.support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = ({"width": 360, "height": 740}, {"width": 1280, "height": 900})
LEARNER_PAGES = (
    "/",
    "/settings/privacy/",
    "/settings/account/",
    "/settings/security/",
    "/settings/data/",
    "/settings/data/new/rectification/",
    "/privacy/notice/",
)
VISITOR_PAGES = ("/accounts/login/", "/accounts/signup/", "/learners/noor/")

#: What is drawn: each line of visible text (a text node's line boxes) and each control. A pair from
#: different places sharing more than a sliver of area is ink written over ink. What floats above
#: the page by design (a sticky save bar, a sticky preview, a fixed menu) is left out.
OVERLAPS = """() => {
    const floating = element => {
        for (let e = element; e; e = e.parentElement) {
            const position = getComputedStyle(e).position;
            if (position === "sticky" || position === "fixed") return true;
        }
        return false;
    };
    // Not drawn: invisible, transparent (a radio stretched under its label), clipped away (visually hidden).
    const hidden = element => {
        if (element.closest(".menu, .skip-link") || getComputedStyle(element).visibility === "hidden") return true;
        for (let e = element; e; e = e.parentElement) {
            const style = getComputedStyle(e);
            if (style.opacity === "0" || style.clipPath === "inset(50%)") return true;
        }
        return false;
    };
    const ink = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const owner = node.parentElement;
        const skipped = owner.closest("button, select, option, script, style");
        if (!node.textContent.trim() || skipped || hidden(owner) || floating(owner)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const box of range.getClientRects()) {
            if (box.width > 1 && box.height > 1) ink.push({box, owner, what: node.textContent.trim().slice(0, 30)});
        }
    }
    for (const control of document.querySelectorAll("input:not([type=hidden]), select, textarea, button")) {
        const box = control.getBoundingClientRect();
        if (box.width > 1 && box.height > 1 && !hidden(control) && !floating(control)) {
            const name = control.name || control.textContent.trim().slice(0, 30);
            ink.push({box, owner: control, what: control.tagName.toLowerCase() + " " + name});
        }
    }
    const found = [];
    for (let i = 0; i < ink.length; i++) {
        for (let j = i + 1; j < ink.length; j++) {
            const [a, b] = [ink[i], ink[j]];
            if (a.owner === b.owner || a.owner.contains(b.owner) || b.owner.contains(a.owner)) continue;
            const width = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
            const height = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
            if (width > 2 && height > 2) found.push("“" + a.what + "” × “" + b.what + "”");
        }
    }
    return found;
}"""


def layout_problems(page, path, direction):
    """Return what is wrong with ``page``'s layout in ``direction`` at each of ``SIZES`` (a list of lines)."""
    page.evaluate("direction => { document.documentElement.dir = direction; }", direction)
    found = []
    for size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_function("width => window.innerWidth === width", arg=size["width"])
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > size["width"]:
            found.append(f"{direction} {size['width']}px {path}: {width}px wide, it scrolls sideways")
        found.extend(f"{direction} {size['width']}px {path}: {pair}" for pair in page.evaluate(OVERLAPS))
    return found


def check_pages(page, base_url, paths, screenshot):
    found = []
    for path in paths:
        page.goto(f"{base_url}{path}")
        for direction in ("ltr", "rtl"):
            found.extend(layout_problems(page, path, direction))
        screenshot(page, "rtl-" + (path.strip("/").replace("/", "-") or "home"))
    return found


def test_a_learners_pages_mirror_right_to_left_without_overflow_or_overlap(live_server, browser, learner, screenshot):
    EnrollmentFactory(user=learner, course=CourseFactory(title="Statistics without Tears"))
    page = browser.new_context(viewport=SIZES[0]).new_page()
    sign_in(page, f"{live_server.url}/accounts/login/", "noor", device=None)

    found = check_pages(page, live_server.url, LEARNER_PAGES, screenshot)
    assert found == [], "\n".join(found)


def test_a_visitors_pages_mirror_right_to_left_without_overflow_or_overlap(live_server, browser, learner, screenshot):
    ProfileVisibilityFactory(user=learner, full_name="public", bio="public", courses="public")
    EnrollmentFactory(user=learner, course=CourseFactory(title="Statistics without Tears"))
    page = browser.new_context(viewport=SIZES[0]).new_page()

    found = check_pages(page, live_server.url, VISITOR_PAGES, screenshot)
    assert found == [], "\n".join(found)


def test_the_right_to_left_layout_puts_the_avatar_menu_on_the_left(live_server, browser, learner):
    """Mirrored, not merely right-aligned: the menu opens from the header's start, which is now its left."""
    page = browser.new_context(viewport=SIZES[1]).new_page()
    sign_in(page, f"{live_server.url}/accounts/login/", "noor", device=None)
    page.evaluate("document.documentElement.dir = 'rtl'")
    page.locator(".avatar-menu summary").click()

    menu, summary = page.locator(".menu").bounding_box(), page.locator(".avatar-menu summary").bounding_box()

    assert abs(menu["x"] - summary["x"]) < 2, "the open menu lines up with the avatar's left edge"


def test_right_to_left_keeps_a_username_and_a_date_in_their_own_order_and_turns_the_back_arrow(
    live_server, browser, learner
):
    ProfileVisibilityFactory(user=learner, full_name="public")
    page = browser.new_context(viewport=SIZES[1]).new_page()
    sign_in(page, f"{live_server.url}/accounts/login/", "noor", device=None)
    first_left_of_second = """selector => {
        const element = document.querySelector(selector);
        const node = [...element.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
        const at = index => { const range = document.createRange(); range.setStart(node, index);
            range.setEnd(node, index + 1); return range.getBoundingClientRect().left; };
        const start = node.textContent.search(/\\S/);
        return at(start) < at(start + 1);
    }"""

    page.goto(f"{live_server.url}/learners/noor/")
    page.evaluate("document.documentElement.dir = 'rtl'")
    assert page.evaluate(first_left_of_second, "bdi"), "“@noor”, not “noor@”"

    page.goto(f"{live_server.url}/settings/data/new/access/")
    page.evaluate("document.documentElement.dir = 'rtl'")
    arrow = page.evaluate("getComputedStyle(document.querySelector('.back-link a'), '::before').content")
    assert arrow.startswith('"→'), "back points right, where a right-to-left line starts"


def test_right_to_left_keeps_the_profile_path_in_the_sign_up_hint_in_its_own_order(live_server, browser, screenshot):
    """A path in a translated sentence is isolated: "/learners/<username>/" reads left to right in any page."""
    page = browser.new_context(viewport=SIZES[0]).new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    page.evaluate("document.documentElement.dir = 'rtl'")
    # Each character of the path, left to right on the screen, with the hint's sentence right to left around it.
    drawn = page.evaluate(
        """() => {
            const hint = document.querySelector("#id_username_helptext");
            const path = hint.querySelector("bdi");
            if (!path) return null;
            const node = path.firstChild;
            const lefts = [...node.textContent].map((_, index) => {
                const range = document.createRange();
                range.setStart(node, index);
                range.setEnd(node, index + 1);
                return range.getBoundingClientRect().left;
            });
            return {text: node.textContent, leftToRight: lefts.every((left, i) => i === 0 || left > lefts[i - 1])};
        }"""
    )
    screenshot(page, "rtl-signup-hint")

    assert drawn == {"text": "/learners/<username>/", "leftToRight": True}
