"""Staff manage accounts in Django admin; every account gets its profile."""

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_adds_a_user_in_admin_and_the_user_gets_a_private_profile(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

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
    assert "/admin/login/" in response["Location"]
