"""axe-core (WCAG 2.2 AA) on every page a learner meets, on a desktop and on a 360 px phone: zero violations.

Two tests (so `pytest -n 2` runs them side by side) walk the pages a learner reaches —
signed out, new, signed in, with two-factor authentication, with requests — including
error states (a form with mistakes, 404, 403, 500), because those are where labels and
contrast break first. Each page is checked at 1280 px and again at 360 px.
"""

import datetime

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from accounts.models import TOTPDevice
from learnerportal.tests.factories import (
    PASSWORD,
    CourseFactory,
    EnrollmentFactory,
    PolicyVersionFactory,
    UserFactory,
    fill_profile,
)
from learnerportal.tests.support import code_for, sign_in
from privacy.marketing import unsubscribe_token
from privacy.services import policy_activate, profile_visibility_update
from rights_requests.services import request_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10 Reflow: 320 CSS px wide without sideways scrolling


@pytest.fixture
def amara(amara):
    """Amara with a course and a partly public profile."""
    fill_profile(amara)
    EnrollmentFactory(user=amara, course=CourseFactory(title="Introduction to Python"), progress_percent=40)
    EnrollmentFactory(  # "Completed" beside a progress bar is the widest course row (320 px reflow)
        user=amara,
        course=CourseFactory(title="Rechtsschutzversicherungsgesellschaften: Data Protection for Educators"),
        progress_percent=100,
        completed_at=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC),
    )
    profile_visibility_update(actor=amara, subject=amara, audiences={"full_name": "public", "bio": "learners"})
    return amara


@pytest.fixture
def checker(live_server, browser, axe_violations, screenshot):
    """Return ``check(path=None, on=page, shot=None)`` with ``check.page``, ``check.found`` and ``check.new_page()``.

    ``check`` opens ``path`` (if given) and runs axe at desktop width, then at 360 px and 320 px,
    adding any violation to ``check.found``; ``shot`` keeps a phone screenshot.
    """
    url = live_server.url
    contexts = []

    def new_page():
        context = browser.new_context(viewport=DESKTOP)
        context.add_init_script(axe_violations.script)
        contexts.append(context)
        return context.new_page()

    def check(path=None, on=None, shot=None):
        on = on or check.page
        if path is not None:
            on.goto(f"{url}{path}")
        check.found.extend(axe_violations(on, sizes=[DESKTOP, PHONE, NARROW]))
        if shot:
            screenshot(on, f"{shot}-phone")
        on.set_viewport_size(DESKTOP)

    check.found = []
    check.new_page = new_page
    check.page = new_page()
    yield check
    for context in contexts:
        context.close()


def test_pages_signed_out_and_for_a_new_learner_have_no_wcag_violations(live_server, amara, checker, axe_violations):
    user = amara
    url = live_server.url
    page, check, found = checker.page, checker, checker.found
    context = page.context

    # Signed out.
    for path in [
        "/",
        "/accounts/signup/",
        "/accounts/signup/sent/",
        "/accounts/signup/confirm/not-a-token/",
        "/accounts/login/",
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/complete/",
        "/privacy/notice/",
        "/learners/amara/",
    ]:
        check(path)
    check("/learners/nobody-here/", shot="404")
    token_path = f"/accounts/password/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/"
    page.goto(f"{url}{token_path}{default_token_generator.make_token(user)}/")
    expect(page.get_by_label("New password", exact=True)).to_be_visible()
    check()
    page.goto(f"{url}/accounts/signup/")
    page.get_by_role("button", name="Create account").click()  # errors beside every field
    expect(page.locator(".field-error").first).to_be_visible()
    check(shot="signup-errors")
    page.goto(f"{url}/accounts/login/")
    context.clear_cookies()  # the form's CSRF cookie is gone: the 403 page for forms
    page.get_by_label("Username or email").fill("amara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Please try that again")).to_be_visible()
    check()
    # 403 and 500 are rendered by Django's handlers, which no learner action reaches on purpose.
    page.goto(f"{url}/privacy/notice/")
    page.set_content(render_to_string("403.html", request=_anonymous_request()))
    check()
    page.set_content(render_to_string("500.html"))
    check(shot="500")
    page.goto(f"{url}/accounts/login/")  # the lockout page, as django-axes renders it after 5 failures
    page.set_content(render_to_string("accounts/locked_out.html", {"minutes": 15}, request=_anonymous_request()))
    check()

    # A learner with nothing yet: the dashboard's empty states; then a new privacy policy to confirm.
    newcomer = UserFactory(username="newcomer", email="newcomer@example.org")
    other = checker.new_page()
    sign_in(other, f"{url}/accounts/login/", "newcomer")
    expect(other.get_by_role("heading", level=1)).to_be_visible()
    check(on=other, shot="dashboard-empty")
    check("/settings/data/new/erasure/", on=other)
    check("/accounts/confirm-password/?next=/settings/data/new/erasure/", on=other)
    check(f"/privacy/unsubscribe/{unsubscribe_token(newcomer)}/", on=other)
    other.get_by_role("button", name="Unsubscribe").click()
    check(on=other)
    check("/privacy/unsubscribe/not-a-real-link/", on=other)
    policy_activate(
        actor=None,
        policy=PolicyVersionFactory(
            version="2027-01",
            effective_date=datetime.date(2027, 1, 1),
            summary="We now share progress with partners only per course.",
        ),
    )
    other.goto(f"{url}/settings/account/")
    expect(other).to_have_url(f"{url}/privacy/policy/confirm/?next=%2Fsettings%2Faccount%2F")
    check(on=other, shot="policy-confirm")

    assert found == [], "\n".join(found)
    # The checker itself works: an image without a text alternative is reported.
    page.set_content('<html lang="en"><title>Check</title><main><img src="/static/favicon.svg"></main></html>')
    assert any("image-alt" in line for line in axe_violations(page))


def test_pages_signed_in_and_for_two_factor_have_no_wcag_violations(live_server, amara, checker):
    user = amara
    request_submit(actor=user, subject=user, request_type="access")  # carried out at once in tests
    erasure = request_submit(actor=user, subject=user, request_type="erasure", details={"note": "Please."})
    url = live_server.url
    page, check, found = checker.page, checker, checker.found

    # Signed in, without two-factor authentication.
    sign_in(page, f"{url}/accounts/login/", "amara")
    check("/", shot="dashboard")
    for path in [
        "/settings/account/",
        "/settings/privacy/",
        "/settings/privacy/?view_as=learners",
        "/settings/privacy/consents/history/",
        "/settings/security/",
        "/settings/data/",
        *[
            f"/settings/data/new/{kind}/"
            for kind in ["access", "rectification", "restriction", "portability", "objection"]
        ],
        f"/settings/data/{erasure.pk}/",
        "/learners/amara/",
    ]:
        check(path)
    # The preview of choices not saved yet, with its notice and the unsaved marks by the field and Save.
    page.goto(f"{url}/settings/privacy/")
    page.get_by_role("group", name="Bio").get_by_label("Everyone").check()
    page.get_by_role("button", name="Anyone on the internet").click()
    expect(page.get_by_role("complementary").get_by_role("status")).to_contain_text("Unsaved changes")
    check(shot="privacy-unsaved-preview")
    page.goto(f"{url}/settings/data/")
    page.locator(".requests-table").get_by_role("link").last.click()  # the answered access request
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    check()

    # API tokens: the form (with its errors), the token shown once, the Security tab listing it.
    check("/settings/security/tokens/new/")
    page.get_by_role("button", name="Make the token").click()
    expect(page.locator(".field-error")).to_be_visible()
    check()
    page.get_by_label("What is this token for?").fill("Study planner")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_role("heading", name="Your new API token “Study planner”")).to_be_visible()
    check()
    check("/settings/security/")

    # Two-factor authentication: set-up, backup codes, new codes, turning it off, signing in with a code.
    check("/settings/privacy/two-factor/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Code from your app").fill(code_for(device))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Save your backup codes")).to_be_visible()
    check(shot="backup-codes")
    check("/settings/privacy/two-factor/backup-codes/")
    check("/settings/privacy/two-factor/disable/")
    page.get_by_label("Account menu for amara").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, f"{url}/accounts/login/", "amara")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    check()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".field-error")).to_be_visible()
    check()

    assert found == [], "\n".join(found)


def _anonymous_request():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return request
