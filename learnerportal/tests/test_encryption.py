"""Encryption at rest: phone and date of birth are ciphertext in the database; keys rotate, resumably."""

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from accounts.models import Profile
from learnerportal import encryption
from learnerportal.tests.factories import RightsRequestFactory, UserFactory
from privacy.selectors import below_digital_consent_age
from rights_requests.models import RightsRequest
from rights_requests.services import request_submit

pytestmark = pytest.mark.django_db

OLD_KEY = "Drmx57uB719anU_7ivvfimUQ8pHqx71FUqAxpbj4FB0="


def stored(profile):
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, date_of_birth FROM accounts_profile WHERE id = %s", [profile.pk])
        return cursor.fetchone()


@pytest.fixture
def learner(learner):
    """Noor with a phone number and a date of birth that makes her a child."""
    learner.profile.phone = "+44 7700 900123"
    learner.profile.date_of_birth = datetime.date(2015, 6, 1)
    learner.profile.save()
    return learner


def test_phone_and_date_of_birth_are_stored_encrypted_and_read_back_plain(learner):
    phone, date_of_birth = stored(learner.profile)
    assert "7700 900" not in phone and "2015-06-01" not in date_of_birth
    assert phone.startswith("gAAAAA"), "a Fernet token"
    profile = Profile.objects.get(pk=learner.profile.pk)
    assert profile.phone == "+44 7700 900123" and profile.date_of_birth == datetime.date(2015, 6, 1)
    assert below_digital_consent_age(learner), "age rules still work, decrypting in Python"


def test_a_proposed_correction_of_phone_or_birth_date_is_encrypted_at_rest_and_rotated(learner, settings):
    request = request_submit(
        actor=learner,
        subject=learner,
        request_type="rectification",
        details={"changes": {"phone": "+44 7700 900999", "date_of_birth": "1990-02-03"}},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT details FROM rights_requests_rightsrequest WHERE id = %s", [request.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("gAAAAA") and "900999" not in raw and "1990-02-03" not in raw
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), OLD_KEY]
    call_command("rotate_encryption_keys", stdout=__import__("io").StringIO())
    settings.ENCRYPTION_KEYS = settings.ENCRYPTION_KEYS[:1]
    assert RightsRequest.objects.get(pk=request.pk).details["changes"]["phone"] == "+44 7700 900999"
    with pytest.raises(NotImplementedError, match="encrypted"):
        list(RightsRequest.objects.filter(details__changes__phone="+44 7700 900999"))


def test_filtering_on_an_encrypted_column_is_refused_rather_than_silently_empty(learner):
    with pytest.raises(NotImplementedError, match="encrypted"):
        list(Profile.objects.filter(phone="+44 7700 900123"))
    assert Profile.objects.filter(date_of_birth__isnull=False).count() == 1


def test_key_rotation_round_trip_and_resume(learner, settings):
    others = [UserFactory() for _ in range(4)]
    for index, user in enumerate(others):
        user.profile.phone = f"+44 7700 90020{index}"
        user.profile.save()
    new_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new_key, OLD_KEY]

    # An interrupted run: only the first batch of two rows was re-encrypted.
    model, field = next((m, f) for m, f in encryption.encrypted_columns() if f.name == "phone")
    last_pk, rotated, _ = encryption.rotate_column(model, field, batch_size=2)
    assert rotated == 2 and last_pk is not None

    call_command("rotate_encryption_keys", batch_size=2, stdout=__import__("io").StringIO())

    settings.ENCRYPTION_KEYS = [new_key]  # the old key is gone: everything must read with the new one
    assert Profile.objects.get(user=learner).phone == "+44 7700 900123"
    assert sorted(Profile.objects.filter(user__in=others).values_list("phone", flat=True)) == [
        f"+44 7700 90020{index}" for index in range(4)
    ]
    assert Profile.objects.get(user=learner).date_of_birth == datetime.date(2015, 6, 1)


def test_a_second_run_has_nothing_left_to_do(learner, settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), OLD_KEY]
    from io import StringIO

    first, second = StringIO(), StringIO()
    call_command("rotate_encryption_keys", stdout=first)
    call_command("rotate_encryption_keys", stdout=second)
    assert "accounts.Profile.phone: 1 of 1 value(s) re-encrypted" in first.getvalue()
    assert "accounts.Profile.phone: 0 of 1 value(s) re-encrypted" in second.getvalue()


def test_rotation_without_the_old_key_stops_with_a_clear_error_and_loses_nothing(learner, settings):
    from django.core.management.base import CommandError

    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="add the key"):
        call_command("rotate_encryption_keys")
    settings.ENCRYPTION_KEYS = [OLD_KEY]
    assert Profile.objects.get(user=learner).phone == "+44 7700 900123"


def test_data_rights_files_are_rotated_too_and_still_download(settings, django_capture_on_commit_callbacks):
    import io

    from django.core.files.storage import default_storage

    from rights_requests.files import associated_data_of, decrypt_stream, request_file_store

    request = RightsRequestFactory(
        subject=UserFactory(username="kofi"),
        status="processing",
        received_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
        due_at=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
    )
    content = b"<p>report</p>" * 1000
    stored = request_file_store(request=request, kind="access_report", source=io.BytesIO(content))
    old_name = stored.storage_name
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), OLD_KEY]

    with django_capture_on_commit_callbacks(execute=True):
        call_command("rotate_encryption_keys", stdout=io.StringIO())

    stored.refresh_from_db()
    assert stored.storage_name != old_name and not default_storage.exists(old_name)
    settings.ENCRYPTION_KEYS = settings.ENCRYPTION_KEYS[:1]
    with default_storage.open(stored.storage_name, "rb") as encrypted:
        associated_data = associated_data_of(request_id=request.pk, kind="access_report")
        assert b"".join(decrypt_stream(encrypted, associated_data=associated_data)) == content
