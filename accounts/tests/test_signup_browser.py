"""In Chromium: sign up, read "check your email", open the emailed link, create the account and land signed in."""

import pytest
from playwright.sync_api import expect

from learnerportal.tests.factories import UserFactory
from learnerportal.tests.support import signup_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_sign_up(page, url, username, email):
    page.goto(f"{url}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("a-long-unusual-passphrase")
    page.get_by_label("Password again").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Create account").click()


def test_a_learner_signs_up_through_the_emailed_link(live_server, page, mailoutbox, screenshot):
    UserFactory(username="kwame", email="kwame@example.org")
    url = live_server.url

    fill_sign_up(page, url, "kwame-again", "Kwame@example.org")  # a taken address
    expect(page.get_by_role("heading", name="Check your email to finish creating your account")).to_be_visible()
    taken_text = page.locator("main").inner_text()
    fill_sign_up(page, url, "kofi", "kofi@example.org")  # a new one
    expect(page.get_by_role("heading", name="Check your email to finish creating your account")).to_be_visible()
    assert page.locator("main").inner_text() == taken_text, "the same page for a taken and a new address"
    screenshot(page, "1-check-your-email")
    assert [message.to for message in mailoutbox] == [["kwame@example.org"], ["kofi@example.org"]]

    link = signup_link(mailoutbox[1])
    page.goto(f"{url}{link}")
    expect(page.get_by_role("heading", name="Finish creating your account")).to_be_visible()
    screenshot(page, "2-finish")
    page.get_by_role("button", name="Create my account").click()

    expect(page).to_have_url(f"{url}/settings/privacy/")
    expect(page.get_by_text("Welcome! Your profile is private")).to_be_visible()
    expect(page.get_by_label("Account menu for kofi")).to_be_visible()
    screenshot(page, "3-signed-in")

    page.get_by_label("Account menu for kofi").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{url}{link}")  # used
    expect(page.get_by_role("heading", name="This sign-up link does not work")).to_be_visible()
    screenshot(page, "4-used-link")
