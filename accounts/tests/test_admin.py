"""Staff manage accounts in Django admin; every account gets its profile."""

import pytest

from accounts.models import User
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
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


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
