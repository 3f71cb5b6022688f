"""The seed's five steps with the keyboard alone (Tab, Enter, arrow keys), every focus stop visibly marked.

Avatar menu (top right) → Settings → Privacy tab → change an audience → Save →
the confirmation is announced (focus moves to the role=status region).
"""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.factories import PASSWORD, UserFactory
from privacy.selectors import profile_visibility_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the focused element is called (label, aria-label or text) and whether its focus ring shows:
# :focus-visible matches and an outline of at least 2 px is drawn on it or on its label.
FOCUSED = """() => {
  const el = document.activeElement;
  const ringed = (node) => {
    const style = node && getComputedStyle(node);
    return Boolean(style) && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  };
  const label = el.labels && el.labels[0] && el.labels[0].innerText;
  const name = el.getAttribute("aria-label") || label || el.innerText || "";
  return {
    name: name.trim(),
    tag: el.tagName.toLowerCase(),
    visible: el.matches(":focus-visible") && (ringed(el) || ringed(el.closest("label"))),
  };
}"""


def tab_to(page, name, limit=40):
    """Press Tab until the element called ``name`` has focus; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "body":  # the document itself is getting focus from the browser's window
            continue
        assert focused["visible"], f"focus on {focused['tag']} {focused['name']!r} is not visible"
        if focused["name"] == name:
            return
    raise AssertionError(f"{name!r} was not reached with Tab")


def test_the_five_steps_with_the_keyboard_only(live_server, page, screenshot):
    user = UserFactory(username="amara", email="amara@example.org")
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "Username or email")
    page.keyboard.type("amara")
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hello, amara")).to_be_visible()

    # 1. The avatar menu, top right: Enter opens it.
    tab_to(page, "Account menu for amara")
    page.keyboard.press("Enter")
    settings = page.get_by_role("link", name="Settings", exact=True)
    expect(settings).to_be_visible()
    screenshot(page, "1-menu-open")
    # 2. Settings: the arrow keys move through the menu's items, as in any menu.
    page.keyboard.press("ArrowDown")
    expect(settings).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("button", name="Sign out")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(settings).to_be_focused()
    assert page.evaluate(FOCUSED)["visible"]
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/settings/account/")
    # 3. The Privacy tab; the tab navigation marks the open tab for screen readers.
    tab_to(page, "Privacy")
    page.keyboard.press("Enter")
    privacy_tab = page.get_by_role("navigation", name="Settings").get_by_role("link", name="Privacy")
    expect(privacy_tab).to_have_attribute("aria-current", "page")
    # 4. Change an audience: Tab reaches the group's chosen option, an arrow key picks another.
    full_name = page.get_by_role("group", name="Full name")
    tab_to(page, "Only me")
    expect(full_name.get_by_label("Only me")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(full_name.get_by_label("Signed-in learners")).to_be_checked()
    screenshot(page, "2-audience-chosen")
    # 5. Save: the confirmation takes focus, so a screen reader reads it out.
    tab_to(page, "Save privacy settings")
    page.keyboard.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Your privacy settings are saved.")
    expect(status).to_be_focused()
    expect(page.get_by_role("group", name="Full name").get_by_label("Signed-in learners")).to_be_checked()
    screenshot(page, "3-saved-announced")
    assert profile_visibility_of(user).full_name == "learners"

    # The skip link is the first stop on every page and leads past the header.
    page.goto(f"{live_server.url}/settings/privacy/")
    tab_to(page, "Skip to main content", limit=2)
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    tab_to(page, "Account")  # the first tab, inside main
