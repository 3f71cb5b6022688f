"""Parity: the API's public profile has exactly the keys the HTML profile shows, for every viewer and setting.

Gitea's hidden emails leaked through its API while its page hid them; here both
go through ``access_learner_profile``, and these tests hold them to it.
"""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from learnerportal.tests.factories import MARKERS, NEVER_SHOWN, UserFactory, set_audiences
from learnerportal.tests.support import make_token, token_client
from privacy.models import Audience, ProfileVisibility

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "learner", "learner_token", "owner", "owner_token"]


LISTS = {"courses", "accomplishments"}
LIST_EXTRAS = ("_count", "_next")


def clients_for(viewer, subject):
    """Return ``(page client, API client)`` acting as the same viewer."""
    page = Client()
    if viewer == "anonymous":
        return page, Client()
    user = subject if viewer.startswith("owner") else UserFactory(username="viewer")
    page.force_login(user)
    if viewer.endswith("_token"):
        return page, token_client(make_token(user, scope="read"))
    return page, page


def shown_on_page(html):
    return {field for field, marker in MARKERS.items() if marker in html}


def assert_same(viewer, subject):
    page_client, api_client = clients_for(viewer, subject)
    page = page_client.get("/learners/ada/")
    api = api_client.get("/api/v1/learners/ada/")
    assert page.status_code == api.status_code
    if api.status_code == 404:
        assert api.json()["code"] == "not_found"
        return set()
    body = api.json()
    # A list comes with its count and next page's address (LIST_EXTRAS), exactly when the list itself is there.
    keys = {key for key in body if not key.endswith(LIST_EXTRAS)} - {"username"}
    assert keys == shown_on_page(page.content.decode())
    assert set(body) - keys - {"username"} == {name + extra for name in keys & LISTS for extra in LIST_EXTRAS}
    for never in NEVER_SHOWN:
        assert never not in api.content.decode()
    for key, value in body.items():
        assert key.endswith("_next") or value not in (None, "", [], {}), f"{key} is present but empty"
    return keys


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("field", ProfileVisibility.FIELDS)
def test_the_api_shows_exactly_the_fields_the_page_shows(subject, field, audience, viewer):
    set_audiences(subject, **{field: audience})
    keys = assert_same(viewer, subject)
    owner = viewer.startswith("owner")
    visible = owner or audience == Audience.PUBLIC or (audience == Audience.LEARNERS and viewer != "anonymous")
    assert (field in keys) == visible


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_mix_of_audiences_is_the_same_on_both(subject, viewer):
    set_audiences(
        subject, full_name="public", photo="learners", bio="private", country="public", education="learners",
        courses="private", accomplishments="public",
    )  # fmt: skip
    assert_same(viewer, subject)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_under_the_digital_age_of_consent_public_counts_as_learners_on_both(subject, viewer):
    subject.profile.date_of_birth = timezone.localdate() - datetime.timedelta(days=365 * 14)
    subject.profile.save()
    set_audiences(subject, **dict.fromkeys(ProfileVisibility.FIELDS, "public"))
    keys = assert_same(viewer, subject)
    assert bool(keys) == (viewer != "anonymous")


def test_unknown_and_inactive_learners_are_404_on_both(subject):
    set_audiences(subject, full_name="public")
    subject.is_active = False
    subject.save(update_fields=["is_active"])
    assert_same("anonymous", subject)
    assert Client().get("/api/v1/learners/nobody-here/").json()["code"] == "not_found"
    assert Client().get("/api/v1/learners/..%2F/").status_code == 404


def test_the_photo_follows_the_same_rule_as_the_pages_photo(subject):
    set_audiences(subject, photo="learners")
    anonymous = Client()
    assert anonymous.get("/api/v1/learners/ada/photo/").status_code == 404
    learner_token = token_client(make_token(UserFactory(), scope="read"))
    photo_url = learner_token.get("/api/v1/learners/ada/").json()["photo"]
    response = learner_token.get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-cache"
