"""The seed's five steps in Chromium: sign in → avatar menu → Settings → Privacy → adjust → Save."""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, fill_profile
from learnerportal.tests.support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def amara(amara):
    """Amara with a full name, a bio, a country, a phone number and a course."""
    fill_profile(amara, phone="+44 7700 900123")
    EnrollmentFactory(user=amara, course=CourseFactory(title="Introduction to Python"))
    return amara


def amara_signs_in(page, base_url):
    """Sign amara in with her email address; wait for her dashboard."""
    sign_in(page, f"{base_url}/accounts/login/", "amara@example.org")
    expect(page.get_by_role("heading", name="Hello, Amara Okafor-Mensah")).to_be_visible()


def test_learner_changes_who_sees_their_profile_and_the_public_page_follows(live_server, page, amara, screenshot):
    # 1. Sign in.
    amara_signs_in(page, live_server.url)
    # 2. Avatar menu (top right) → Settings.
    page.get_by_label("Account menu for amara").click()
    screenshot(page, "1-avatar-menu")
    page.get_by_role("link", name="Settings", exact=True).click()
    # 3. Privacy tab.
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Privacy").click()
    expect(page.get_by_role("heading", name="Who can see your profile")).to_be_visible()
    expect(page.get_by_role("group", name="Full name").get_by_label("Only me")).to_be_checked()
    screenshot(page, "2-privacy-tab-defaults")
    # 4. Adjust.
    page.get_by_role("group", name="Full name").get_by_label("Everyone").check()
    page.get_by_role("group", name="Country").get_by_label("Everyone").check()
    page.get_by_role("group", name="Bio").get_by_label("Signed-in learners").check()
    # 5. Save → confirmation, announced to screen readers.
    page.get_by_role("button", name="Save privacy settings").click()
    expect(page.get_by_role("status")).to_contain_text("Your privacy settings are saved.")
    expect(page.get_by_role("group", name="Full name").get_by_label("Everyone")).to_be_checked()
    expect(page.get_by_text("You last reviewed these settings on")).to_be_visible()
    screenshot(page, "3-saved")

    # The public profile, seen by an anonymous visitor, shows exactly what was made public.
    visitor = page.context.browser.new_context().new_page()
    visitor.goto(f"{live_server.url}/learners/amara/")
    expect(visitor.get_by_role("heading", name="Amara Okafor-Mensah")).to_be_visible()
    expect(visitor.get_by_text("Ghana")).to_be_visible()
    body = visitor.locator("main").inner_text()
    for hidden in ["Biology teacher", "Introduction to Python", "amara@example.org", "7700"]:
        assert hidden not in body
    screenshot(visitor, "4-public-profile-anonymous")


def test_view_as_preview_and_avatar_menu_by_keyboard_on_a_phone(live_server, browser, amara, screenshot):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    amara_signs_in(page, live_server.url)

    # The avatar menu works with the keyboard alone: Tab to it, Enter opens, Escape closes.
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # brand
    page.keyboard.press("Tab")  # avatar menu
    page.keyboard.press("Enter")
    settings_link = page.get_by_role("link", name="Settings", exact=True)
    expect(settings_link).to_be_visible()
    page.keyboard.press("Escape")
    expect(settings_link).to_be_hidden()
    expect(page.get_by_label("Account menu for amara")).to_be_focused()

    page.goto(f"{live_server.url}/settings/privacy/")
    page.get_by_role("group", name="Bio").get_by_label("Signed-in learners").check()
    # Previewed before saving: the choice shows in the preview and stays chosen, marked not saved yet.
    page.get_by_role("button", name="A signed-in learner").click()
    preview = page.get_by_role("complementary")
    expect(preview.get_by_text("Biology teacher learning to code.")).to_be_visible()
    expect(preview.get_by_role("status")).to_contain_text("Unsaved changes")
    expect(page.get_by_role("group", name="Bio").get_by_label("Signed-in learners")).to_be_checked()
    screenshot(page, "view-as-unsaved-phone")
    page.get_by_role("button", name="Save privacy settings").click()  # in the bar at the bottom of a phone's screen
    expect(page.get_by_role("status").first).to_contain_text("Your privacy settings are saved.")
    page.get_by_role("button", name="A signed-in learner").click()
    expect(preview.get_by_text("Biology teacher learning to code.")).to_be_visible()
    expect(preview.get_by_text("not saved yet")).to_have_count(0)
    screenshot(page, "view-as-learner-phone")
    page.get_by_role("button", name="Anyone on the internet").click()
    expect(preview.get_by_text("to them, your profile does not exist")).to_be_visible()
    context.close()
