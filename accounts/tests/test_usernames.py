"""Choosing a username: nothing that reads as a reserved name, an erased account's or a staff member's.

Reserved and erased-style names are in ``test_auth``'s sign-up errors; here the
look-alikes of staff, at sign-up and in admin, and names given before the rules.
"""

import pytest

from accounts.models import Profile, User
from accounts.validators import username_skeleton, username_skeleton_sql
from learnerportal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "kwame",
    "email": "kwame@example.org",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}


@pytest.fixture
def staff():
    return [UserFactory(username="priya.dpo", is_staff=True), UserFactory(username="sam.support", is_staff=True)]


@pytest.fixture
def superuser_client(client, verified_login):
    verified_login(client, UserFactory(username="ola.owner", is_staff=True, is_superuser=True))
    return client


def change_form(user, **changes):
    """Return the admin change form's data for ``user`` as it is (its profile inline too), with ``changes``."""
    profile = Profile.objects.filter(user=user).first()
    data = {"username": user.username, "email": user.email, "is_active": "on" if user.is_active else ""}
    data |= {"is_staff": "on" if user.is_staff else ""}
    data |= {"profile-TOTAL_FORMS": int(bool(profile)), "profile-INITIAL_FORMS": int(bool(profile))}
    if profile is not None:
        data |= {"profile-0-id": profile.pk, "profile-0-user": user.pk}
    return {key: value for key, value in (data | changes).items() if value != ""}


@pytest.mark.parametrize(
    "username", ["priya.dp0", "Priya-DPO", "prlya_dpo", "sam-support", "5am.supp0rt", "sarn.support"]
)
def test_sign_up_refuses_a_username_that_reads_like_a_staff_members(client, staff, username):
    page = client.post("/accounts/signup/", SIGNUP | {"username": username}).content.decode()
    assert "looks too much like one of our staff" in page.split('id="id_username"')[1]
    assert not User.objects.filter(email=SIGNUP["email"]).exists()


def test_a_username_like_a_learners_is_not_refused(client):
    UserFactory(username="priya.dpo")  # a learner, not staff
    assert client.post("/accounts/signup/", SIGNUP | {"username": "priya.dp0"}).status_code == 302


def test_admin_refuses_a_learner_name_like_staff_and_a_staff_account_like_anyone(superuser_client, staff):
    learner = UserFactory(username="kwame")
    renamed = superuser_client.post(
        f"/admin/accounts/user/{learner.pk}/change/", change_form(learner, username="Sam-Support")
    )
    assert "looks too much like one of our staff" in renamed.content.decode()
    added = superuser_client.post(
        "/admin/accounts/user/add/", {"username": "sam_supp0rt", "email": "s@example.org", "usable_password": "false"}
    )
    assert "looks too much like one of our staff" in added.content.decode()

    UserFactory(username="lin.tutor")  # a learner first; then someone makes a look-alike staff
    newcomer = UserFactory(username="l1n-tut0r")
    promoted = superuser_client.post(
        f"/admin/accounts/user/{newcomer.pk}/change/", change_form(newcomer, is_staff="on")
    )
    assert "Another account&#x27;s username reads the same" in promoted.content.decode()

    assert User.objects.get(pk=learner.pk).username == "kwame"
    assert not User.objects.get(pk=newcomer.pk).is_staff
    assert not User.objects.filter(email="s@example.org").exists()


def test_names_given_before_the_rules_and_erased_accounts_stay_editable(superuser_client, staff):
    from compliance.erasure import erasure_execute

    look_alike = UserFactory(username="priya.dp0")
    erased = UserFactory(username="noor")
    erasure_execute(subject=erased)
    erased.refresh_from_db()
    assert erased.username.startswith("erased-")

    for account in (look_alike, erased):
        response = superuser_client.post(f"/admin/accounts/user/{account.pk}/change/", change_form(account))
        assert response.status_code == 302, account.username
        assert User.objects.get(pk=account.pk).username == account.username


def test_the_database_reads_usernames_as_the_rule_does():
    """The look-alike rule compares in SQL (indexed) what Python computes for the name asked for."""
    names = ["Priya.DP0", "sarn.support", "VVill_1", "erased-3f", "x-y_z.0", "I1lia"]
    for name in names:
        UserFactory(username=name)
    stored = User.objects.filter(username__in=names).annotate(skeleton=username_skeleton_sql())
    assert dict(stored.values_list("username", "skeleton")) == {name: username_skeleton(name) for name in names}
