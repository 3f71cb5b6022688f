"""One set of rules for profile values: the Account tab, the API and a rectification request refuse alike."""

import datetime
import re

import pytest
import time_machine

from accounts.models import Profile
from learnerportal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PHONE_MESSAGE = "Enter a phone number of digits, optionally starting with + and the country code."
REFUSED = [
    ("date_of_birth", "2999-01-01", "The date of birth cannot be in the future."),
    ("date_of_birth", "1850-06-01", "Enter a real date of birth."),
    ("phone", "call me maybe", PHONE_MESSAGE),
    ("phone", "+", PHONE_MESSAGE),
    ("timezone", "Mars/Olympus_Mons", "Select a valid choice. Mars/Olympus_Mons is not one of the available choices."),
    # Trojan Source: "\u202e" makes the rest read backwards, disguising the text to staff and other learners.
    ("bio", "I teach \u202eevil", "Remove the invisible characters that change the direction of text."),
]


@pytest.fixture
def learner():
    user = UserFactory(username="ines")
    Profile.objects.filter(user=user).update(full_name="Inês Duarte", occupation="Nurse")
    return user


def beside(page, field):
    """Return the part of ``page`` from the input of ``field`` to the next field."""
    return re.split(r'<div class="field[ "]', page.split(f'id="id_{field}"')[1])[0]


def account_tab(client, learner, data):
    client.force_login(learner)
    return client.post("/settings/account/", {"full_name": "Inês D.", "occupation": "Midwife", **data})


@pytest.mark.parametrize(("field", "value", "message"), REFUSED)
def test_a_value_is_refused_beside_its_field_on_the_account_tab_keeping_what_was_typed(
    client, learner, field, value, message
):
    response = account_tab(client, learner, {field: value})

    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was saved" in page
    assert message in beside(page, field), "the error follows its own field"
    assert 'value="Inês D."' in page and 'value="Midwife"' in page, "the learner's other values are still in the form"
    profile = Profile.objects.get(user=learner)
    assert (profile.full_name, profile.occupation) == ("Inês Duarte", "Nurse"), "nothing was saved"


@pytest.mark.parametrize(("field", "value", "message"), REFUSED)
def test_the_api_refuses_the_same_value_with_the_same_words(api, learner, field, value, message):
    response = api.patch("/api/v1/me/profile/", {"full_name": "Inês D.", field: value}, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Nothing was saved: some values are not valid.",
        "fields": {field: [message]},
    }
    assert Profile.objects.get(user=learner).full_name == "Inês Duarte", "nothing was saved"


@pytest.mark.parametrize(("field", "value", "message"), REFUSED)
def test_a_rectification_request_cannot_ask_for_a_value_the_account_tab_refuses(api, field, value, message):
    response = api.post(
        "/api/v1/me/requests/",
        {"type": "rectification", "details": {"changes": {field: value}}},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {f"details.changes.{field}": [message]}


def test_every_refusal_shows_at_once_also_when_some_values_could_not_be_read(client, learner):
    response = account_tab(client, learner, {"date_of_birth": "2023-02-30", "phone": "call me maybe"})

    page = response.content.decode()
    assert "Enter a valid date." in beside(page, "date_of_birth")
    assert PHONE_MESSAGE in beside(page, "phone")
    assert Profile.objects.get(user=learner).full_name == "Inês Duarte"


@time_machine.travel(datetime.datetime(2026, 12, 6, 12, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(("date_of_birth", "saved"), [("1896-01-01", True), ("1895-12-31", False)])
def test_the_oldest_date_of_birth_accepted_is_1_january_130_years_ago(api, learner, date_of_birth, saved):
    response = api.patch("/api/v1/me/profile/", {"date_of_birth": date_of_birth}, content_type="application/json")

    assert (response.status_code == 200) is saved
    stored = Profile.objects.get(user=learner).date_of_birth
    assert stored == (datetime.date.fromisoformat(date_of_birth) if saved else None)


def test_a_stored_value_a_rule_now_refuses_does_not_block_changing_another_field(api, learner):
    Profile.objects.filter(user=learner).update(phone="ask at reception")  # kept from before the phone rule

    response = api.patch("/api/v1/me/profile/", {"occupation": "Midwife"}, content_type="application/json")

    assert response.status_code == 200 and response.json()["occupation"] == "Midwife"
    assert response.json()["phone"] == "ask at reception", "a value not sent is left as it is"


def test_a_rectification_keeps_a_value_as_the_profile_would_store_it(api, learner):
    response = api.post(
        "/api/v1/me/requests/",
        {"type": "rectification", "details": {"changes": {"country": "prt", "date_of_birth": "1990-04-12"}}},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["details"]["changes"] == {"country": "PT", "date_of_birth": "1990-04-12"}
