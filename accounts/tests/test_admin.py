"""Accounts in Django admin: only superusers change them, every change and refusal is recorded."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django_otp.models import Device

from accounts.exceptions import AccountChangeRefused
from accounts.models import PersonalAccessToken, User
from accounts.services import account_password_set, account_update, personal_access_token_create
from accounts.two_factor import staff_enrolment_link_send
from compliance.models import ActorRole, AuditEvent, StaffGroup
from learnerportal.tests.factories import PASSWORD, UserFactory, staff_member

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


@pytest.fixture
def root(verified_login):
    """A superuser with two-factor authentication, the account an attacker on the staff wants."""
    user = UserFactory(username="ola.owner", email="ola@example.org", is_staff=True, is_superuser=True)
    verified_login(Client(), user)
    return user


def refusals(user):
    return AuditEvent.objects.filter(subject=user, action=AuditEvent.Action.ACCOUNT_CHANGE_REFUSED)


NEW_PASSWORD = "attacker-chosen-passphrase"


def test_a_clerk_who_may_change_users_cannot_set_a_superusers_password(client, verified_login, support_clerk, root):
    verified_login(client, support_clerk)

    form = client.get(f"/admin/accounts/user/{root.pk}/password/")
    posted = client.post(
        f"/admin/accounts/user/{root.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert form.status_code == 403 and posted.status_code == 403
    root.refresh_from_db()
    assert root.check_password(PASSWORD) and not root.check_password(NEW_PASSWORD)
    assert [(event.actor, event.actor_role, event.changes) for event in refusals(root)] == [
        (support_clerk, ActorRole.STAFF, {"attempt": "set your password"}),
    ] * 2
    owner = Client()
    owner.force_login(root)
    activity = owner.get("/settings/security/activity/").text
    assert "A member of staff tried to set your password; the portal refused." in activity


def test_a_clerk_cannot_change_a_superusers_email_to_reset_its_password(client, verified_login, support_clerk, root):
    verified_login(client, support_clerk)

    response = client.post(
        f"/admin/accounts/user/{root.pk}/change/",
        {"username": "ola.owner", "email": "mine@attacker.example", "is_active": "on", "is_staff": "on"},
    )

    assert response.status_code == 403
    root.refresh_from_db()
    assert root.email == "ola@example.org" and root.is_superuser
    assert refusals(root).get().changes == {"attempt": "change your account details"}


def test_staff_other_than_superusers_see_a_learners_account_read_only(client, verified_login, support_clerk):
    learner = UserFactory(username="lena", email="lena@example.org")
    verified_login(client, support_clerk)

    page = client.get(f"/admin/accounts/user/{learner.pk}/change/").text
    response = client.post(
        f"/admin/accounts/user/{learner.pk}/change/",
        {"username": "lena", "email": "lena@attacker.example", "is_active": "on"},
    )

    assert "lena@example.org" in page and 'name="email"' not in page and 'name="username"' not in page
    assert "../password/" not in page  # no button to a form they may not open
    assert response.status_code == 403
    learner.refresh_from_db()
    assert learner.email == "lena@example.org"
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_a_superuser_sets_a_password_in_admin_recorded_tokens_revoked_owner_told(
    client, verified_login, root, django_capture_on_commit_callbacks, mailoutbox
):
    learner = UserFactory(username="lena", email="lena@example.org")
    token, _ = personal_access_token_create(
        actor=learner, user=learner, name="Backup script", scope=PersonalAccessToken.Scope.READ, lifetime_days=30
    )
    verified_login(client, root)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/accounts/user/{learner.pk}/password/",
            {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    assert response.status_code == 302 and response["Location"] == f"/admin/accounts/user/{learner.pk}/change/"
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(subject=learner, action=AuditEvent.Action.PASSWORD_CHANGED)
    assert event.actor == root and event.actor_role == ActorRole.STAFF
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert [message.to for message in mailoutbox] == [["lena@example.org"]]
    assert "A member of staff set a new password" in mailoutbox[0].body


def test_a_superusers_change_to_an_account_is_recorded_field_by_field(client, verified_login, root):
    learner = UserFactory(username="lena", email="lena@example.org")
    verified_login(client, root)

    response = client.post(
        f"/admin/accounts/user/{learner.pk}/change/",
        {
            "username": "lena",
            "email": "lena.new@example.org",
            "is_active": "on",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
        },
    )

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.email == "lena.new@example.org"
    event = AuditEvent.objects.get(subject=learner, action=AuditEvent.Action.ACCOUNT_CHANGED)
    assert event.actor == root and event.changes == {"fields": ["email"]}


def test_the_services_refuse_staff_who_are_not_superusers(support_clerk, root):
    with pytest.raises(AccountChangeRefused) as refused:
        account_password_set(actor=support_clerk, user=root, password=NEW_PASSWORD)
    assert refused.value.code == "account_change_refused" and refused.value.field == "password"
    root.email = "mine@attacker.example"
    with pytest.raises(AccountChangeRefused):
        account_update(actor=support_clerk, user=root, fields=["email"])
    with pytest.raises(AccountChangeRefused):
        staff_enrolment_link_send(actor=support_clerk, user=root)
    root.refresh_from_db()
    assert root.email == "ola@example.org" and root.check_password(PASSWORD)


def test_only_superusers_change_a_staff_groups_rights(client, verified_login, support_clerk):
    support_clerk.user_permissions.add(*Permission.objects.filter(codename__in=["change_group", "view_group"]))
    group = Group.objects.get(name=StaffGroup.SUPPORT_AGENT)
    before = set(group.permissions.all())
    verified_login(client, support_clerk)

    response = client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": StaffGroup.SUPPORT_AGENT, "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )

    assert response.status_code == 403
    assert set(group.permissions.all()) == before


def test_no_second_factor_is_managed_in_admin():
    """Second factors change only on the owner's Privacy tab, with their password and a code."""
    assert [model for model in admin.site._registry if issubclass(model, Device)] == []


@pytest.mark.parametrize("role", ["agent", "superuser"])
def test_staff_change_their_password_on_settings_security_not_in_admin(client, verified_login, role):
    """The admin's own form would skip the audit row and leave API tokens working."""
    if role == "agent":
        staff = staff_member("sam.support", StaffGroup.SUPPORT_AGENT)
    else:
        staff = UserFactory(username="ola.owner", is_staff=True, is_superuser=True)
    verified_login(client, staff)
    _, raw = personal_access_token_create(actor=staff, user=staff, name="script", scope="read", lifetime_days=30)
    new = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}

    for path in ("/admin/password_change/", "/admin/password_change/done/"):
        assert client.get(path)["Location"] == "/settings/security/"
        assert client.post(path, new)["Location"] == "/settings/security/"
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD), "the admin form changed nothing"

    assert client.post("/settings/security/", new).status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me/profile/").status_code == 401
    assert AuditEvent.objects.filter(subject=staff, action=AuditEvent.Action.PASSWORD_CHANGED).exists()
