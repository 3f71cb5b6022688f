"""In Chromium: a learner who lost every second factor recovers the account after the wait; the owner cancels one."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import TOTPDevice
from learnerportal.tests.factories import PASSWORD, BackupCodeFactory, TOTPDeviceFactory, UserFactory
from learnerportal.tests.support import code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clock():
    """Run the clock from now, so that the test can jump over the waiting period."""
    with time_machine.travel(datetime.datetime.now(datetime.UTC), tick=True) as traveller:
        yield traveller


@pytest.fixture
def owner():
    user = UserFactory(username="lin", email="lin@example.org")
    TOTPDeviceFactory(user=user)
    BackupCodeFactory(device__user=user)
    return user


def password_step(page, url):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username or email").fill("lin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def link_in(message, kind):
    return re.search(rf"http://testserver(/accounts/recovery/\d+/{kind}/\S+/)", message.body)[1]


def ask_and_start(page, url, screenshot=None):
    """At the code step choose "I can't use any of my methods", then follow the emailed link and start."""
    password_step(page, url)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_role("link", name="I can't use any of my methods").click()
    expect(page.get_by_role("heading", name="Can't use any of your methods?")).to_be_visible()
    if screenshot:
        screenshot(page, "1-explained")
    page.get_by_role("button", name="Email me a recovery link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    if screenshot:
        screenshot(page, "2-sent")
    page.goto(url + link_in(mail.outbox[-1], "start"))
    if screenshot:
        screenshot(page, "3-start")
    page.get_by_role("button", name="Start the recovery").click()
    expect(page.get_by_role("heading", name="The recovery has started")).to_be_visible()
    if screenshot:
        screenshot(page, "4-started")


def sign_in_with_code(page, url, user):
    password_step(page, url)
    page.get_by_label("Code").fill(code_for(TOTPDevice.objects.get(user=user)))
    page.get_by_role("button", name="Sign in").click()


def test_after_the_wait_the_learner_signs_in_with_the_password_and_sets_up_2fa_again(
    live_server, browser, page, screenshot, axe_violations, owner, clock
):
    ask_and_start(page, live_server.url, screenshot)
    # The owner's laptop, still signed in with a code, is told on every page.
    laptop = browser.new_page()
    sign_in_with_code(laptop, live_server.url, owner)
    banner = laptop.get_by_role("alert").filter(has_text="A recovery of your account is under way")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("button", name="Cancel the recovery")).to_be_visible()
    screenshot(laptop, "5-banner")
    assert axe_violations(laptop, sizes=[{"width": 1280, "height": 800}, {"width": 375, "height": 740}]) == []

    clock.shift(datetime.timedelta(hours=72, seconds=1))
    call_command("account_recoveries_run", stdout=None)

    laptop.reload()
    expect(laptop.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in")).to_be_visible()
    password_step(page, live_server.url)
    expect(page.get_by_role("heading", name="Turn on two-factor authentication")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Set up two-factor authentication again now")
    screenshot(page, "6-set-up-again")
    assert "its second factors were removed" in mail.outbox[-1].body
    laptop.close()


def test_the_owner_cancels_from_the_banner_and_from_the_email(live_server, browser, page, screenshot, owner, clock):
    ask_and_start(page, live_server.url)
    signed_in = browser.new_page()
    sign_in_with_code(signed_in, live_server.url, owner)
    signed_in.goto(f"{live_server.url}/settings/security/")
    signed_in.get_by_role("alert").get_by_role("button", name="Cancel the recovery").click()
    expect(signed_in.get_by_role("status")).to_contain_text("The recovery is cancelled")
    expect(signed_in.get_by_role("alert")).to_have_count(0)
    screenshot(signed_in, "1-cancelled-from-banner")

    ask_and_start(page, live_server.url)
    page.goto(live_server.url + link_in(mail.outbox[-1], "cancel"))
    screenshot(page, "2-cancel-link")
    page.get_by_role("button", name="Cancel the recovery").click()
    expect(page.get_by_role("heading", name="The recovery is cancelled")).to_be_visible()
    screenshot(page, "3-cancelled-from-email")

    clock.shift(datetime.timedelta(hours=73))
    call_command("account_recoveries_run", stdout=None)
    assert TOTPDevice.objects.filter(user=owner).exists()
    signed_in.close()
