"""The Privacy tab: review, change, save, confirm; "view as" preview."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from compliance.models import AuditEvent
from learnerportal.tests.factories import seminars
from learnerportal.tests.support import checked_radios, preview_shown
from privacy.models import Audience, ProfileVisibility
from privacy.services import profile_visibility_update

pytestmark = pytest.mark.django_db

ALL_PRIVATE = dict.fromkeys(ProfileVisibility.FIELDS, "private")


@pytest.fixture
def learner(learner, client):
    """Noor with a bio, signed in on ``client``."""
    learner.profile.bio = "Learning statistics"
    learner.profile.save()
    client.force_login(learner)
    return learner


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/settings/privacy/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/settings/privacy/")


def test_first_visit_shows_every_field_private_and_not_yet_reviewed(client, learner):
    page = client.get("/settings/privacy/").content.decode()
    assert "You have not reviewed these settings yet" in page
    assert checked_radios(page) == ALL_PRIVATE


def test_each_audience_choice_shows_its_own_icon(client, learner):
    """Globe for everyone, people for signed-in learners, padlock for only me (issue 10's icon language)."""
    page = client.get("/settings/privacy/").content.decode()
    options = re.findall(r'<label class="audience-option".*?</label>', page, re.S)
    assert len(options) == 3 * len(ProfileVisibility.FIELDS)
    expected = {"public": "icon-globe", "learners": "icon-people", "private": "icon-lock"}
    for option in options:
        value = re.search(r'value="([^"]+)"', option)[1]
        assert expected[value] in option
        assert not (set(expected.values()) - {expected[value]}) & set(re.findall(r"icon-[a-z]+", option))


def test_saving_changes_confirms_and_records_who_changed_what(client, learner):
    response = client.post("/settings/privacy/", ALL_PRIVATE | {"full_name": "public", "bio": "learners"}, follow=True)

    page = response.content.decode()
    assert "Your privacy settings are saved." in page
    assert checked_radios(page) == ALL_PRIVATE | {"full_name": "public", "bio": "learners"}
    assert "You last reviewed these settings on" in page
    visibility = ProfileVisibility.objects.get(user=learner)
    assert (visibility.full_name, visibility.bio, visibility.photo) == ("public", "learners", "private")
    event = AuditEvent.objects.get(subject=learner, action=AuditEvent.Action.VISIBILITY_CHANGED)
    assert event.actor == learner
    assert event.changes == {"full_name": ["private", "public"], "bio": ["private", "learners"]}


def test_saving_without_changes_still_counts_as_a_review(client, learner):
    client.post("/settings/privacy/", ALL_PRIVATE)
    assert ProfileVisibility.objects.get(user=learner).reviewed_at is not None
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.VISIBILITY_REVIEWED).exists()


def test_a_save_over_settings_changed_meanwhile_records_what_it_replaced(client, learner):
    client.post("/settings/privacy/", ALL_PRIVATE)
    # The user as the auth backend reads it for a request, with its settings joined...
    user = get_user_model().objects.select_related("profile_visibility").get(pk=learner.pk)
    # ...then the bio is made public from another tab before this request saves.
    ProfileVisibility.objects.filter(user=learner).update(bio=Audience.PUBLIC)

    profile_visibility_update(actor=user, subject=user, audiences={"bio": Audience.LEARNERS, "country": "learners"})

    assert ProfileVisibility.objects.get(user=learner).audiences() == ALL_PRIVATE | {
        "bio": "learners",
        "country": "learners",
    }
    event = AuditEvent.objects.get(subject=learner, action=AuditEvent.Action.VISIBILITY_CHANGED)
    assert event.changes == {"bio": ["public", "learners"], "country": ["private", "learners"]}


def test_bad_audience_is_refused_beside_the_field_and_nothing_changes(client, learner):
    client.post("/settings/privacy/", ALL_PRIVATE | {"bio": "public"})
    response = client.post("/settings/privacy/", ALL_PRIVATE | {"bio": "learners", "full_name": "everyone!"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "Select a valid choice. everyone! is not one of the available choices." in page
    assert ProfileVisibility.objects.get(user=learner).bio == Audience.PUBLIC


def test_view_as_preview_shows_what_each_audience_sees(client, learner):
    client.post("/settings/privacy/", ALL_PRIVATE | {"full_name": "public", "bio": "learners"})

    as_public = client.get("/settings/privacy/?view_as=public").content.decode()
    as_learner = client.get("/settings/privacy/?view_as=learners").content.decode()

    preview = preview_shown(as_public)
    assert "Noor Al-Hassan" in preview
    assert "Learning statistics" not in preview
    assert "Learning statistics" in preview_shown(as_learner)


def test_view_as_previews_the_choices_on_the_page_without_saving_them(client, learner):
    """A "View as" button sends the unsaved choices: they show in the preview, stay chosen, and nothing is saved."""
    client.post("/settings/privacy/", ALL_PRIVATE, follow=True)
    reviewed_at = ProfileVisibility.objects.get(user=learner).reviewed_at

    response = client.post("/settings/privacy/", ALL_PRIVATE | {"full_name": "public", "view_as": "public"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Noor Al-Hassan" in preview_shown(page)
    assert "not saved yet" in page and "Your privacy settings are saved." not in page
    assert checked_radios(page)["full_name"] == "public", "the unsaved choice is still on the page to save"
    assert 'name="view_as" value="public" aria-pressed="true">Anyone on the internet</button>' in page
    visibility = ProfileVisibility.objects.get(user=learner)
    assert (visibility.full_name, visibility.reviewed_at) == ("private", reviewed_at)
    assert not AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.VISIBILITY_CHANGED).exists()
    assert Client().get("/learners/noor/").status_code == 404, "the public still sees nothing"


def test_saving_from_a_page_opened_with_view_as_in_its_address_saves(client, learner):
    """The form posts to the page's own address; a ?view_as= there must not turn Save into a preview."""
    response = client.post("/settings/privacy/?view_as=learners&lists=all", ALL_PRIVATE | {"bio": "learners"})

    assert response.status_code == 302
    assert ProfileVisibility.objects.get(user=learner).bio == "learners"


@pytest.mark.parametrize("view_as", ["bogus", "PUBLIC", ""])
def test_a_preview_naming_no_offered_viewer_saves_nothing_and_shows_the_public_view(client, learner, view_as):
    response = client.post("/settings/privacy/", ALL_PRIVATE | {"full_name": "public", "view_as": view_as})

    assert response.status_code == 200
    assert ProfileVisibility.objects.filter(user=learner, full_name="public").exists() is False
    assert 'value="public" aria-pressed="true">Anyone on the internet</button>' in response.content.decode()


def test_view_as_with_nothing_changed_says_nothing_of_unsaved_choices(client, learner):
    client.post("/settings/privacy/", ALL_PRIVATE | {"bio": "learners"}, follow=True)
    page = client.post("/settings/privacy/", ALL_PRIVATE | {"bio": "learners", "view_as": "learners"}).content.decode()
    assert "Learning statistics" in preview_shown(page)
    assert "not saved yet" not in page and "with your saved settings" in page


def test_under_16_an_unsaved_public_choice_previews_as_learners_only(client, learner):
    """The preview of unsaved choices obeys the digital age of consent as the saved ones do (GDPR Art. 8)."""
    import datetime

    from django.utils import timezone

    learner.profile.date_of_birth = timezone.localdate() - datetime.timedelta(days=365 * 13)
    learner.profile.save()
    page = client.post("/settings/privacy/", ALL_PRIVATE | {"bio": "public", "view_as": "public"}).content.decode()
    assert "Learning statistics" not in preview_shown(page)
    assert "choose an audience for every field marked below to see the preview" in page.lower()


def test_preview_says_when_a_profile_is_invisible(client, learner):
    page = client.get("/settings/privacy/?view_as=learners").content.decode()
    assert "to them, your profile does not exist" in preview_shown(page)
    assert "Noor Al-Hassan" not in preview_shown(page)

    client.post("/settings/privacy/", ALL_PRIVATE | {"full_name": "learners"})
    page = client.get("/settings/privacy/?view_as=learners").content.decode()
    assert "to them, your profile does not exist" not in preview_shown(page)
    assert "Noor Al-Hassan" in preview_shown(page)


def test_the_seed_flow_links_avatar_menu_to_settings_to_privacy(client, learner):
    home = client.get("/").content.decode()
    assert 'aria-label="Account menu for noor"' in home
    assert 'href="/settings/"' in home
    account_tab = client.get("/settings/", follow=True).content.decode()
    assert 'href="/settings/privacy/"' in account_tab


def test_show_all_in_the_preview_stays_in_the_preview_and_its_audience(client, learner):
    seminars(learner, 25)
    client.post("/settings/privacy/", ALL_PRIVATE | {"courses": "public", "accomplishments": "learners"})

    page = client.get("/settings/privacy/?view_as=public").content.decode()
    assert 'href="?view_as=public&amp;lists=all#preview-heading">Show all 25 courses</a>' in page

    whole = preview_shown(client.get("/settings/privacy/?view_as=public&lists=all").content.decode())
    assert len(re.findall(r"<li>Seminar \d\d", whole)) == 25
    assert "Completed Seminar" not in whole, "accomplishments are not for everyone: the preview still says so"


def test_without_script_save_still_saves_and_opens_the_page_at_its_confirmation(client, learner):
    """The form is plain HTML: sent as it is, it saves; the page opens at the confirmation above the choices."""
    response = client.post("/settings/privacy/?view_as=learners", ALL_PRIVATE | {"bio": "learners"})

    # Its own anchor: a redirect without one keeps the form's (#preview-heading after a preview).
    assert response.status_code == 302
    assert response["Location"] == "/settings/privacy/#visibility-message"
    page = client.get(response["Location"]).content.decode()
    section = page.split('id="visibility-heading"')[1].split('id="visibility-form"')[0]
    assert 'id="visibility-message"' in section and "Your privacy settings are saved." in section
    assert checked_radios(page) == ALL_PRIVATE | {"bio": "learners"}
    assert ProfileVisibility.objects.get(user=learner).bio == Audience.LEARNERS
    # Refused choices: the form is sent to the message's anchor, which says why.
    assert 'action="#visibility-message"' in page
    refused = client.post("/settings/privacy/", ALL_PRIVATE | {"bio": "everyone!"}).content.decode()
    assert "Nothing was saved" in refused.split('id="visibility-heading"')[1].split('id="visibility-form"')[0]


def test_each_choice_names_the_viewers_who_would_see_the_field_for_the_preview_script(client, learner):
    """The script previews from these marks, read from the one visibility rule; saved values mark what is unsaved."""
    client.post("/settings/privacy/", ALL_PRIVATE | {"bio": "learners"})
    page = client.get("/settings/privacy/").content.decode()

    option = r'for="id_bio_\d" data-shown-to="([^"]*)">\s*<input type="radio" name="bio" value="(\w+)"'
    marks = {value: viewers for viewers, value in re.findall(option, page)}
    assert marks == {"public": "public learners", "learners": "learners", "private": ""}
    assert 'data-field="bio" data-saved="learners"' in page
    # The owner's whole profile is there for the script, what this viewer would not see marked hidden.
    assert '<dd class="profile-bio" data-field="bio" hidden>Learning statistics</dd>' in page
    assert "Learning statistics" not in preview_shown(page)
    assert '<script src="/static/js/privacy-tab.js" defer></script>' in page


def test_an_adult_and_a_young_learner_with_the_same_choices_each_see_their_own_options(client, learner):
    """The choices render once per process for everyone with the same ones, but never across the age of consent."""
    import datetime

    from django.utils import timezone

    from learnerportal.tests.factories import UserFactory

    teen = UserFactory(username="teen", profile__date_of_birth=timezone.localdate() - datetime.timedelta(days=365 * 13))
    teen_client = Client()
    teen_client.force_login(teen)

    for _ in range(2):  # each one's page after the other's
        adult_page = client.get("/settings/privacy/").content.decode()
        teen_page = teen_client.get("/settings/privacy/").content.decode()

        assert checked_radios(adult_page) == checked_radios(teen_page) == ALL_PRIVATE
        assert len(re.findall(r'<input type="radio"[^>]*value="public"', adult_page)) == len(ProfileVisibility.FIELDS)
        assert not re.search(r'<input type="radio"[^>]*value="public"', teen_page), "no “Everyone” under 16"


def test_a_saved_choice_shows_at_the_next_visit_and_no_one_elses_changes(client, learner):
    from learnerportal.tests.factories import UserFactory

    other = Client()
    other.force_login(UserFactory(username="sami"))
    other.get("/settings/privacy/")

    client.post("/settings/privacy/", ALL_PRIVATE | {"country": "learners"})

    assert checked_radios(client.get("/settings/privacy/").content.decode()) == ALL_PRIVATE | {"country": "learners"}
    assert checked_radios(other.get("/settings/privacy/").content.decode()) == ALL_PRIVATE
