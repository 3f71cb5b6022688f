"""No English left on a page for want of marking: key pages rendered in a pseudo-locale show only ⟪translated⟫ text.

Each area adds its pages to ``PAGES``: a path, and who looks at it (a visitor or a signed-in learner).
"""

import pytest
from django.conf import settings
from django.template import loader
from django.utils import translation

from accounts.validators import selectable_timezones
from learnerportal.tests.factories import UserFactory
from learnerportal.tests.support import pseudo_locale_active, unmarked_text

pytestmark = pytest.mark.django_db

VISITOR, LEARNER = "visitor", "learner"


#: (path, who looks): the pages whose every visible word must be marked for translation.
PAGES = [
    ("/", VISITOR),
    ("/accounts/login/", VISITOR),
    ("/accounts/signup/", VISITOR),
    ("/accounts/signup/sent/", VISITOR),
    ("/accounts/password/reset/", VISITOR),
    ("/accounts/password/reset/sent/", VISITOR),
    ("/no/such/page/", VISITOR),
    ("/", LEARNER),
    ("/no/such/page/", LEARNER),
    ("/settings/account/", LEARNER),
    ("/settings/security/", LEARNER),
    ("/settings/security/tokens/new/", LEARNER),
    ("/settings/security/activity/", LEARNER),
    ("/settings/privacy/", LEARNER),
    ("/settings/privacy/consents/history/", LEARNER),
    ("/settings/privacy/two-factor/setup/", LEARNER),
    ("/privacy/notice/", VISITOR),
    ("/privacy/request/", VISITOR),
    ("/privacy/notice/", LEARNER),
    ("/learners/pseudo.learner/", LEARNER),
    ("/settings/data/", LEARNER),
    *[
        (f"/settings/data/new/{request_type}/", LEARNER)
        for request_type in (
            "access",
            "rectification",
            "erasure",
            "restriction",
            "portability",
            "objection",
            "opt_out_of_sale",
            "limit_sensitive_use",
            "confirmation",
            "sharing_information",
        )
    ],
]

#: Time zones are IANA names, the same in every language (the Account tab's list).
TIME_ZONE_NAMES = [name.replace("_", " ") for name in selectable_timezones()]


@pytest.mark.parametrize(("path", "who"), PAGES)
def test_every_word_on_the_page_is_marked_for_translation(client, pseudo_locale, path, who):
    learner = UserFactory(username="pseudo.learner", email="pseudo@example.org")
    if who == LEARNER:
        client.force_login(learner)

    response = client.get(path)

    assert response.status_code in (200, 404)
    assert unmarked_text(response.content.decode(), allowed=[learner.username, learner.email, *TIME_ZONE_NAMES]) == []


@pytest.mark.parametrize("template", ["400.html", "500.html"])
def test_the_error_pages_rendered_without_a_request_are_marked_too(pseudo_locale, template):
    assert unmarked_text(loader.render_to_string(template)) == []


def test_the_check_finds_an_unmarked_word(pseudo_locale):
    page = "<main><h1>⟪Your profile⟫</h1><p>⟪Signed in as <strong>amara</strong>⟫ · Save</p></main>"
    assert unmarked_text(page, allowed=["amara"]) == ["· Save"]


def test_the_pseudo_locale_ends_with_its_block_even_where_a_language_was_active():
    """A request through LocaleMiddleware leaves its language active in the thread; the next test must read English."""
    translation.activate(settings.LANGUAGE_CODE)
    try:
        with pseudo_locale_active():
            assert translation.gettext("Settings") == "⟪Settings⟫"
        assert translation.gettext("Settings") == "Settings"
    finally:
        translation.deactivate()
