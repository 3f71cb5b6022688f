"""Each icon keeps one meaning: globe, people and padlock are audiences; the shield is sign-in security."""

import re

import pytest

from learnerportal.tests.support import make_token

pytestmark = pytest.mark.django_db

AUDIENCE_ICONS = {"globe", "people", "lock"}


def icons_beside(page, text, container="li"):
    """Return the icon names in ``page`` from the start of the ``container`` element holding ``text`` up to it."""
    end = page.index(text)
    starts = [match.start() for match in re.finditer(rf"<{container}[\s>]", page[:end])]
    assert starts, f"{text!r} is not inside a <{container}>"
    start = starts[-1]
    return set(re.findall(r'class="icon icon-([a-z-]+)"', page[start:end]))


def test_two_factor_off_shows_a_crossed_shield_not_the_only_me_padlock(signed_in):
    dashboard = signed_in.get("/").content.decode()
    assert icons_beside(dashboard, "Two-factor authentication:</strong> off") == {"shield-off"}
    assert icons_beside(dashboard, "parts only you see") == {"lock"}, "an all-private profile shows the padlock"

    privacy_tab = signed_in.get("/settings/privacy/").content.decode()
    assert icons_beside(privacy_tab, "<strong>Off.</strong> Anyone with your password", "p") == {"shield-off"}
    consents = privacy_tab.split('id="consents"')[1].split("</ul>")[0]
    assert "<strong>Off</strong>" in consents
    assert not AUDIENCE_ICONS & set(re.findall(r'class="icon icon-([a-z-]+)"', consents)), (
        "consent off is not an audience"
    )


def test_the_not_found_page_shows_no_audience_icon(signed_in):
    page = signed_in.get("/learners/nobody-here/").content.decode()
    assert "We could not find that page" in page
    assert not AUDIENCE_ICONS & set(re.findall(r'class="icon icon-([a-z-]+)"', page))


def test_tokens_and_security_pages_do_not_borrow_the_padlock(signed_in, learner):
    make_token(learner, scope="read", name="Grade exporter")
    security = signed_in.get("/settings/security/").content.decode()
    assert icons_beside(security, "Grade exporter") == {"key"}
    confirm = signed_in.get("/accounts/confirm-password/?next=/settings/data/new/erasure/").content.decode()
    assert icons_beside(confirm, "Confirm it is you</h1>", "h1") == {"shield"}
