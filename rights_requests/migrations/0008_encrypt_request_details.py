"""Encrypt requests' details at rest: a proposed correction may be a phone number or date of birth.

The column becomes ``text`` holding one Fernet token of the JSON; existing rows
are encrypted here with the first key of ``PORTAL_ENCRYPTION_KEYS``. Rows that
are already tokens are left alone, so running this again after an interruption
is safe. Reversing decrypts them back into ``jsonb``.
"""

from cryptography.fernet import InvalidToken
from django.db import migrations

import learnerportal.encryption

TABLE = "rights_requests_rightsrequest"


def _rows(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, details FROM {TABLE}")  # noqa: S608 - a constant table name
        return cursor.fetchall()


def encrypt_existing(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for pk, details in _rows(schema_editor):
            try:
                learnerportal.encryption.decrypt_text(details)
            except InvalidToken:
                token = learnerportal.encryption.encrypt_text(details)
                cursor.execute(f"UPDATE {TABLE} SET details = %s WHERE id = %s", [token, pk])  # noqa: S608


def decrypt_existing(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for pk, details in _rows(schema_editor):
            plain = learnerportal.encryption.decrypt_text(details)
            cursor.execute(f"UPDATE {TABLE} SET details = %s WHERE id = %s", [plain, pk])  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("rights_requests", "0007_queue_order_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="rightsrequest",
                    name="details",
                    field=learnerportal.encryption.EncryptedJSONField(blank=True, default=dict),
                ),
            ],
            database_operations=[
                # PostgreSQL casts text back to jsonb only when told how.
                migrations.RunSQL(
                    f"ALTER TABLE {TABLE} ALTER COLUMN details TYPE text USING details::text",
                    f"ALTER TABLE {TABLE} ALTER COLUMN details TYPE jsonb USING details::jsonb",
                ),
            ],
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
