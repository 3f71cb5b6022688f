"""The Privacy tab with script, on a desktop and a 360 px phone: a live preview, unsaved changes marked and guarded.

The preview follows each choice without sending the page; a changed field and the Save
button say so; leaving with changes asks first (and not after Save); Save's confirmation
is in view wherever the page was; on a phone the tab stays short.
"""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, fill_profile
from learnerportal.tests.support import sign_in
from privacy.models import Audience, ProfileVisibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
#: The tab's height on a 360 px phone for this learner: 4,282 px with a list of radio buttons per
#: field; about 3,100 px with one row of segments per field, the consents' buttons beside their state.
PHONE_HEIGHT_BOUND = 3300


@pytest.fixture
def amara(amara):
    """Amara with a full name, a bio, a country and a course; everything private."""
    fill_profile(amara)
    EnrollmentFactory(user=amara, course=CourseFactory(title="Introduction to Python"))
    return amara


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_preview_follows_unsaved_choices_and_save_confirms_in_view(live_server, browser, amara, screenshot, viewport):
    page = browser.new_context(viewport=viewport).new_page()
    sign_in(page, f"{live_server.url}/accounts/login/", "amara@example.org")
    if viewport is PHONE:
        page.goto(f"{live_server.url}/settings/privacy/")
        assert page.evaluate("document.documentElement.scrollHeight") < PHONE_HEIGHT_BOUND
        expect(page.get_by_role("button", name="Save privacy settings")).to_be_in_viewport()  # the bar at the bottom
        page.screenshot(path=str(screenshot(page, "0-phone")).replace(".png", "-viewport.png"))
    # Opened at the preview (its "Show all" links lead there): Save must not bring the page back to it.
    page.goto(f"{live_server.url}/settings/privacy/?view_as=public#preview-heading")
    page.evaluate("window.samePage = true")
    preview = page.get_by_role("complementary")
    nothing = preview.get_by_text("to them, your profile does not exist")
    expect(nothing).to_be_visible()

    # Bio to everyone: the preview shows it at once, under her username (her name is still private).
    bio = page.get_by_role("group", name="Bio")
    bio.get_by_label("Everyone").check()
    expect(preview.get_by_text("Biology teacher learning to code.")).to_be_visible()
    expect(preview.get_by_role("heading", name="amara", exact=True)).to_be_visible()
    expect(nothing).to_be_hidden()
    expect(preview.get_by_role("status")).to_contain_text("Unsaved changes")
    expect(bio.get_by_text("Unsaved change", exact=True)).to_be_visible()
    expect(page.get_by_role("group", name="Country").get_by_text("Unsaved change", exact=True)).to_be_hidden()
    expect(page.get_by_text("Unsaved changes", exact=True)).to_be_visible()  # beside Save

    # Full name to signed-in learners: not for anyone on the internet, shown to a signed-in learner.
    page.get_by_role("group", name="Full name").get_by_label("Signed-in learners").check()
    expect(preview.get_by_role("heading", name="amara", exact=True)).to_be_visible()
    preview.get_by_role("button", name="A signed-in learner").click()
    expect(preview.get_by_role("button", name="A signed-in learner")).to_have_attribute("aria-pressed", "true")
    expect(preview.get_by_role("heading", name="Amara Okafor-Mensah")).to_be_visible()
    expect(preview).to_contain_text("as a signed-in learner sees it, with the choices on this page")
    expect(preview.get_by_text("Ghana")).to_be_hidden()  # country: still only her
    screenshot(page, "1-preview-of-unsaved-choices")
    # Back to "Only me" is no change any more.
    bio.get_by_label("Only me").check()
    expect(bio.get_by_text("Unsaved change", exact=True)).to_be_hidden()
    expect(preview.get_by_text("Biology teacher learning to code.")).to_be_hidden()
    bio.get_by_label("Everyone").check()
    assert page.evaluate("window.samePage"), "the preview changed without the page being sent or loaded"
    assert not ProfileVisibility.objects.filter(user=amara).exists(), "nothing is saved before Save"

    # Leaving with unsaved changes asks first; staying keeps them.
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    with page.expect_event("dialog"):
        page.get_by_role("link", name="Open your profile page").click()
    assert dialogs == ["beforeunload"]
    expect(bio.get_by_label("Everyone")).to_be_checked()

    # Save: the confirmation is where the learner looks, the changes are no longer marked.
    page.get_by_role("button", name="Save privacy settings").click()
    confirmation = page.get_by_role("status")
    expect(confirmation).to_contain_text("Your privacy settings are saved.")
    expect(confirmation).to_be_in_viewport()
    expect(page.get_by_text("Unsaved changes", exact=True)).to_be_hidden()
    expect(preview.get_by_text("Biology teacher learning to code.")).to_be_visible()
    assert ProfileVisibility.objects.get(user=amara).bio == Audience.PUBLIC
    screenshot(page, "2-saved")
    page.screenshot(path=str(screenshot(page, "2-saved")).replace(".png", "-viewport.png"))

    # Nothing unsaved: leaving does not ask.
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Open your profile page").click()
    expect(page).to_have_url(f"{live_server.url}/learners/amara/")
    assert dialogs == ["beforeunload"]
    page.context.close()
