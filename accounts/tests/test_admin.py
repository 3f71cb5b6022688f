"""Staff manage accounts in Django admin; every account gets its profile."""

import pytest

from accounts.models import Profile, User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_adds_a_user_in_admin_and_the_user_gets_a_private_profile(client, verified_login):
    verified_login(client, UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newbie",
            "email": "newbie@example.org",
            "usable_password": "true",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.profile.full_name == ""
    assert client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200
    client.force_login(user)
    assert client.get("/settings/account/").status_code == 200


def test_learners_cannot_open_admin(client):
    client.force_login(UserFactory())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_nobody_sees_totp_keys_in_admin(client, verified_login):
    verified_login(client, UserFactory(is_staff=True, is_superuser=True))
    for path in ("/admin/accounts/totpdevice/", "/admin/otp_totp/totpdevice/"):
        assert client.get(path).status_code == 404, path


def test_staff_cannot_raise_their_own_rights(client, verified_login):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="helper", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    verified_login(client, staff)

    client.post(
        f"/admin/accounts/user/{staff.pk}/change/",
        {"username": "helper", "email": "helper@example.org", "is_active": "on", "is_superuser": "on"},
    )

    staff.refresh_from_db()
    assert not staff.is_superuser
    page = client.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page


def change_form(user, **changes):
    """Return the admin change form's data for ``user`` as it is (its profile inline too), with ``changes``."""
    profile = Profile.objects.filter(user=user).first()
    data = {
        "username": user.username,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
    }
    data |= {"profile-TOTAL_FORMS": int(bool(profile)), "profile-INITIAL_FORMS": int(bool(profile))}
    if profile is not None:
        data |= {"profile-0-id": profile.pk, "profile-0-user": user.pk}
    return {key: value for key, value in (data | changes).items() if value != ""}


def test_admin_refuses_to_rename_a_learner_like_staff_or_to_make_a_look_alike_staff(client, verified_login):
    verified_login(client, UserFactory(username="root.admin", is_staff=True, is_superuser=True))
    UserFactory(username="sam.support", is_staff=True)
    learner = UserFactory(username="kwame")
    look_alike = UserFactory(username="priya.dp0")

    renamed = client.post(f"/admin/accounts/user/{learner.pk}/change/", change_form(learner, username="Sam-Support"))
    assert "looks too much like one of our staff" in renamed.content.decode()
    newcomer = UserFactory(username="priya.dpo")
    promoted = client.post(f"/admin/accounts/user/{newcomer.pk}/change/", change_form(newcomer, is_staff="on"))
    assert "Another account&#x27;s username reads the same" in promoted.content.decode()

    learner.refresh_from_db()
    newcomer.refresh_from_db()
    assert learner.username == "kwame" and not newcomer.is_staff
    added = client.post(
        "/admin/accounts/user/add/",
        {"username": "sam_supp0rt", "email": "s@example.org", "usable_password": "false"},
    )
    assert "looks too much like one of our staff" in added.content.decode()
    assert client.post(f"/admin/accounts/user/{look_alike.pk}/change/", change_form(look_alike)).status_code == 302, (
        "a name taken before the rule stays editable"
    )


def test_an_erased_account_stays_editable_in_admin_and_keeps_its_name(client, verified_login):
    from privacy.erasure import erasure_execute

    verified_login(client, UserFactory(is_staff=True, is_superuser=True))
    learner = UserFactory(username="noor")
    erasure_execute(subject=learner)
    learner.refresh_from_db()

    page = client.get(f"/admin/accounts/user/{learner.pk}/change/").content.decode()
    assert 'name="username"' not in page
    response = client.post(f"/admin/accounts/user/{learner.pk}/change/", change_form(learner, is_active=""))
    assert response.status_code == 302
    assert User.objects.get(pk=learner.pk).username == learner.username
