"""Migrations that change stored data: encryption of fields and files and back; models moving between apps."""

import datetime
import importlib
import io
import struct
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import Profile, TOTPDevice
from learnerportal import encryption
from rights_requests import files
from rights_requests.models import RequestFile, RightsRequest

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
    assert phone.startswith("gAAAAA") and "233 20 000" not in phone and "1999-12-31" not in date_of_birth
    assert raw_values(empty.pk) == ("", None), "empty stays empty"

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    assert raw_values(profile.pk) == ("+233 20 000 0000", "1999-12-31")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    reread = Profile.objects.get(pk=profile.pk)
    assert reread.phone == "+233 20 000 0000" and reread.date_of_birth == datetime.date(1999, 12, 31)


def kofi_s_request_before(migration, **fields):
    """Migrate back to ``migration``; return its apps and a request of kofi's made with them (``fields`` added)."""
    executor = MigrationExecutor(connection)
    executor.migrate(migration)
    old_apps = executor.loader.project_state(migration).apps
    user = old_apps.get_model("accounts", "User").objects.create(username="kofi", email="kofi@example.org")
    now = timezone.now()
    request = old_apps.get_model("rights_requests", "RightsRequest").objects.create(
        reference="DSR-2026-000001", subject=user, received_at=now, due_at=now + datetime.timedelta(days=30), **fields
    )
    return old_apps, request


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
    _, request = kofi_s_request_before(before, type="rectification", details={"changes": {"phone": "+233 20 000 0001"}})

    MigrationExecutor(connection).migrate(after)
    assert raw_details(request.pk).startswith("gAAAAA") and "233 20 000" not in raw_details(request.pk)
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


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_encryption_keeps_the_batches_done_and_continues_when_run_again():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    users, profiles = old_apps.get_model("accounts", "User"), old_apps.get_model("accounts", "Profile")
    phones = ["+233 20 000 0001", "+233 20 000 0002", "+233 20 000 0003"]
    pks = [
        profiles.objects.create(user=users.objects.create(username=f"l{n}", email=f"l{n}@example.org"), phone=phone).pk
        for n, phone in enumerate(phones)
    ]
    real_encrypt = encryption.encrypt_text
    calls = []

    def encrypt_then_fail(value):
        calls.append(value)
        if len(calls) == 2:
            raise RuntimeError("the server went down")
        return real_encrypt(value)

    # Batches of one row: the first is committed before the second fails.
    with (
        mock.patch.object(encryption, "MIGRATION_BATCH_SIZE", 1, create=True),
        mock.patch.object(encryption, "encrypt_text", encrypt_then_fail),
        pytest.raises(RuntimeError),
    ):
        MigrationExecutor(connection).migrate(AFTER)
    first_token = raw_values(pks[0])[0]
    assert first_token.startswith("gAAAAA"), "the first batch stays done"
    assert raw_values(pks[1])[0] == phones[1] and raw_values(pks[2])[0] == phones[2]

    MigrationExecutor(connection).migrate(AFTER)  # run again: it continues
    assert raw_values(pks[0])[0] == first_token, "a value already encrypted is not encrypted twice"
    assert [encryption.decrypt_text(raw_values(pk)[0]) for pk in pks] == phones

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert [Profile.objects.get(pk=pk).phone for pk in pks] == phones


#: django-otp's ``otp_totp_totpdevice`` table as its plugin's migrations left it (the plugin is no longer installed).
LEGACY_TOTP_TABLE = """
    CREATE TABLE otp_totp_totpdevice (
        id serial PRIMARY KEY, user_id bigint NOT NULL, name varchar(64) NOT NULL, confirmed boolean NOT NULL,
        key varchar(80) NOT NULL, step smallint NOT NULL, t0 bigint NOT NULL, digits smallint NOT NULL,
        tolerance smallint NOT NULL, drift smallint NOT NULL, last_t bigint NOT NULL,
        throttling_failure_timestamp timestamptz NULL, throttling_failure_count integer NOT NULL,
        created_at timestamptz NULL, last_used_at timestamptz NULL
    )
"""
#: RFC 6238 Appendix B's SHA-1 test key ("12345678901234567890"), hex-encoded.
RFC_6238_KEY = "3132333435363738393031323334353637383930"


def legacy_keys():
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM otp_totp_totpdevice ORDER BY id")
        return [key for (key,) in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_authenticator_devices_move_to_an_encrypted_key_and_keep_working():
    before, after = [("accounts", "0005_personal_access_tokens")], [("accounts", "0006_totp_device_encrypted_key")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    user = (
        executor.loader.project_state(before)
        .apps.get_model("accounts", "User")
        .objects.create(username="kofi", email="kofi@example.org")
    )
    created = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute(LEGACY_TOTP_TABLE)
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice (user_id, name, confirmed, key, step, t0, digits, tolerance, drift,"
            " last_t, throttling_failure_count, created_at) VALUES (%s, 'Phone', true, %s, 30, 0, 6, 1, 0, -1, 2, %s)",
            [user.pk, RFC_6238_KEY, created],
        )
    try:
        MigrationExecutor(connection).migrate(after)
        assert legacy_keys() == [], "no key is left in clear"
        with connection.cursor() as cursor:
            cursor.execute("SELECT key FROM accounts_totpdevice")
            (stored,) = cursor.fetchone()
        assert stored.startswith("gAAAAA") and RFC_6238_KEY not in stored
        device = TOTPDevice.objects.get(user_id=user.pk)
        assert (device.name, device.confirmed, device.throttling_failure_count, device.created_at) == (
            "Phone",
            True,
            2,
            created,
        )
        with time_machine.travel(59, tick=False):
            assert device.verify_token("287082"), "RFC 6238 Appendix B: T = 59 s gives 94287082"

        MigrationExecutor(connection).migrate(before)
        assert legacy_keys() == [RFC_6238_KEY], "reversing moves the devices back, as the plugin read them"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS otp_totp_totpdevice")
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


BEFORE_BACKUP_CODES_MOVED = [
    ("accounts", "0009_blank_failed_sign_in_form_data"),
    ("privacy", "0014_audit_log_moves_to_compliance"),
]


@pytest.mark.django_db(transaction=True)
def test_a_session_signed_in_with_a_backup_code_stays_signed_in_when_backup_codes_move_to_accounts(client, mailoutbox):
    """django-otp names the second factor a session passed by app label; the move must not sign learners out."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    from accounts.models import BackupCodeDevice

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_BACKUP_CODES_MOVED)
    # The account as that schema holds it: today's models have profile columns it lacks.
    old_apps = executor.loader.project_state(BEFORE_BACKUP_CODES_MOVED).apps
    old_user = old_apps.get_model("accounts", "User").objects.create(
        username="kofi", email="kofi@example.org", password=make_password("x" * 12)
    )
    old_apps.get_model("accounts", "Profile").objects.create(user=old_user)
    learner = get_user_model().objects.only("pk", "password").get(pk=old_user.pk)
    TOTPDevice.objects.create(user=learner, name="Phone", confirmed=True)
    device = BackupCodeDevice.objects.create(user=learner, name="Backup codes", confirmed=True)
    client.force_login(learner)
    session = client.session
    session["otp_device_id"] = f"privacy.backupcodedevice/{device.pk}"
    session.save()
    DBTaskResult.objects.create(
        task_path="privacy.tasks.send_account_notice",
        args_kwargs={"args": [], "kwargs": {"user_id": learner.pk, "subject": "Sign-in changed", "what": "2FA on"}},
        queue_name="default",
        backend_name="default",
        run_after=timezone.now(),
        priority=0,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Session.objects.get().get_decoded()["otp_device_id"] == f"accounts.backupcodedevice/{device.pk}"
    assert client.get("/api/v1/me/profile/").status_code == 200, "the API opens only to sessions past the code step"
    queued = DBTaskResult.objects.get()
    import_string(queued.task_path).call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    assert [message.to for message in mailoutbox] == [["kofi@example.org"]], "the queued email still goes"


def earlier_format(*segments):
    """Return a request file as the earlier segmented format stored it: numbered segments, no binding."""
    fernet = encryption.multi_fernet()
    tokens = [
        fernet.encrypt(struct.pack(">I?", number, number == len(segments) - 1) + segment) + b"\n"
        for number, segment in enumerate(segments)
    ]
    return b"learner-portal-segmented-fernet-1\n" + b"".join(tokens)


def stored(name):
    with default_storage.open(name, "rb") as file:
        return file.read()


@pytest.mark.django_db(transaction=True)
def test_stored_files_are_rewritten_bound_to_their_request_and_back():
    earlier, bound = (
        [("rights_requests", "0014_request_type_choices_from_registry")],
        [("rights_requests", "0015_request_files_bound_to_their_request")],
    )
    old_apps, request = kofi_s_request_before(earlier, type="portability")
    now = request.received_at
    contents = {"portable_export": b"PK zip of " + b"Kofi's data " * 3, "access_report": b"<p>Kofi's report</p>"}
    originals = {
        "portable_export": earlier_format(b"PK zip of ", b"Kofi's data " * 3, b""),
        "access_report": encryption.multi_fernet().encrypt(contents["access_report"]),  # one token, no header
    }
    request_files = old_apps.get_model("rights_requests", "RequestFile")
    rows = {
        kind: request_files.objects.create(
            request=request,
            kind=kind,
            storage_name=default_storage.save("rights-requests/earlier.bin", ContentFile(original)),
            size=len(original),
            expires_at=now + datetime.timedelta(days=7),
        )
        for kind, original in originals.items()
    }
    missing = request_files.objects.create(
        request=request,
        kind="portable_export",
        storage_name="rights-requests/gone.bin",
        size=10,
        expires_at=rows["access_report"].expires_at,
    )

    def current(kind):
        row = RequestFile.objects.get(pk=rows[kind].pk)
        with default_storage.open(row.storage_name, "rb") as file:
            associated_data = files.associated_data_of(request_id=request.pk, kind=kind)
            return row, b"".join(files.decrypt_stream(file, associated_data=associated_data))

    try:
        MigrationExecutor(connection).migrate(bound)
        for kind, content in contents.items():
            row, plain = current(kind)
            assert plain == content
            assert row.storage_name != rows[kind].storage_name and not default_storage.exists(rows[kind].storage_name)
            assert row.size == len(stored(row.storage_name))
        assert RequestFile.objects.get(pk=missing.pk).storage_name == "rights-requests/gone.bin", "left to be reported"
        names = set(RequestFile.objects.values_list("storage_name", flat=True))
        MigrationExecutor(connection).migrate(bound)  # running it again changes nothing
        assert set(RequestFile.objects.values_list("storage_name", flat=True)) == names

        MigrationExecutor(connection).migrate(earlier)
        for kind, content in contents.items():
            earlier_file = stored(RequestFile.objects.get(pk=rows[kind].pk).storage_name)
            assert earlier_file.startswith(b"learner-portal-segmented-fernet-1\n")
            reader = importlib.import_module("rights_requests.migrations.0015_request_files_bound_to_their_request")
            assert b"".join(reader._earlier_segments(io.BytesIO(earlier_file), encryption.multi_fernet())) == content
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert [current(kind)[1] for kind in contents] == list(contents.values())


@pytest.mark.django_db
def test_a_file_the_upgrade_could_not_read_is_bound_later_by_the_command(client):
    """Storage unreachable while migrating: the operator runs the command once it is back."""
    from django.core.management import CommandError, call_command

    from learnerportal.tests.factories import UserFactory
    from rights_requests.models import RightsRequest

    owner = UserFactory(username="kofi")
    now = timezone.now()
    request = RightsRequest.objects.create(
        reference="DSR-2026-000009",
        subject=owner,
        type="portability",
        received_at=now,
        due_at=now + datetime.timedelta(days=30),
        status="completed",
    )
    unreadable_then = RequestFile.objects.create(
        request=request,
        kind="portable_export",
        storage_name=default_storage.save("rights-requests/earlier.bin", ContentFile(earlier_format(b"PK copy"))),
        size=1,
        expires_at=now + datetime.timedelta(days=7),
    )
    client.force_login(owner)
    assert client.get(f"/api/v1/me/requests/{request.pk}/download/").status_code == 503, "the earlier format is refused"

    call_command("rights_requests_bind_files", stdout=io.StringIO())
    download = client.get(f"/api/v1/me/requests/{request.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"PK copy"

    RequestFile.objects.filter(pk=unreadable_then.pk).update(storage_name="rights-requests/gone.bin")
    with pytest.raises(CommandError, match="1 request file"):
        call_command("rights_requests_bind_files", stdout=io.StringIO())
