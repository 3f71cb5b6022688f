"""The migration that encrypts phone numbers and dates of birth already in the database, and back."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import Profile
from rights_requests.models import RightsRequest

BEFORE = [("accounts", "0003_user_sessions")]
AFTER = [("accounts", "0004_encrypt_phone_and_date_of_birth")]


def raw_values(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, date_of_birth::text FROM accounts_profile WHERE id = %s", [pk])
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_existing_rows_are_encrypted_and_decrypted_on_the_way_back():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    user = old_apps.get_model("accounts", "User").objects.create(username="kofi", email="kofi@example.org")
    profile = old_apps.get_model("accounts", "Profile").objects.create(
        user=user, phone="+233 20 000 0000", date_of_birth=datetime.date(1999, 12, 31)
    )
    empty = old_apps.get_model("accounts", "Profile").objects.create(
        user=old_apps.get_model("accounts", "User").objects.create(username="efua", email="efua@example.org")
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    phone, date_of_birth = raw_values(profile.pk)
    assert phone.startswith("gAAAAA") and "233" not in phone and "1999" not in date_of_birth
    assert raw_values(empty.pk) == ("", None), "empty stays empty"

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    assert raw_values(profile.pk) == ("+233 20 000 0000", "1999-12-31")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    reread = Profile.objects.get(pk=profile.pk)
    assert reread.phone == "+233 20 000 0000" and reread.date_of_birth == datetime.date(1999, 12, 31)


def raw_details(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT details::text FROM rights_requests_rightsrequest WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_existing_request_details_are_encrypted_and_decrypted_on_the_way_back():
    before, after = (
        [("rights_requests", "0007_queue_order_index")],
        [("rights_requests", "0008_encrypt_request_details")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    user = old_apps.get_model("accounts", "User").objects.create(username="kofi", email="kofi@example.org")
    now = timezone.now()
    request = old_apps.get_model("rights_requests", "RightsRequest").objects.create(
        reference="DSR-2026-000001",
        subject=user,
        type="rectification",
        details={"changes": {"phone": "+233 20 000 0001"}},
        received_at=now,
        due_at=now + datetime.timedelta(days=30),
    )

    MigrationExecutor(connection).migrate(after)
    assert raw_details(request.pk).startswith("gAAAAA") and "233" not in raw_details(request.pk)
    MigrationExecutor(connection).migrate(after)  # running it again changes nothing
    # The model as of that migration: later ones add columns the table does not have yet.
    requests_after = (
        MigrationExecutor(connection).loader.project_state(after).apps.get_model("rights_requests", "RightsRequest")
    )
    assert requests_after.objects.get(pk=request.pk).details == {"changes": {"phone": "+233 20 000 0001"}}

    MigrationExecutor(connection).migrate(before)
    assert "+233 20 000 0001" in raw_details(request.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert RightsRequest.objects.get(pk=request.pk).details == {"changes": {"phone": "+233 20 000 0001"}}
