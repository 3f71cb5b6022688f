"""Encrypt requests' details at rest: a proposed correction may be a phone number or date of birth.

The column becomes ``text`` holding one Fernet token of the JSON; existing rows
are encrypted here with the first key of ``PORTAL_ENCRYPTION_KEYS``. Rows that
are already tokens are left alone, so running this again after an interruption
is safe: the rows are encrypted in batches, each committed on its own, holding
row locks only. Reversing decrypts them back into ``jsonb``.
"""

from cryptography.fernet import InvalidToken
from django.db import migrations

import learnerportal.encryption

TABLE = "rights_requests_rightsrequest"


def _encrypt(values):
    (details,) = values
    try:
        learnerportal.encryption.decrypt_text(details)
    except InvalidToken:
        return (learnerportal.encryption.encrypt_text(details),)
    return values


def _decrypt(values):
    (details,) = values
    return (learnerportal.encryption.decrypt_text(details),)


def encrypt_existing(apps, schema_editor):
    learnerportal.encryption.rewrite_in_batches(
        schema_editor.connection, table=TABLE, columns=("details",), rewrite=_encrypt
    )


def decrypt_existing(apps, schema_editor):
    learnerportal.encryption.rewrite_in_batches(
        schema_editor.connection, table=TABLE, columns=("details",), rewrite=_decrypt
    )


class Migration(migrations.Migration):
    # Each step commits on its own and the data step in batches (learnerportal.encryption.rewrite_in_batches):
    # one transaction would hold the table's lock from the column change until the last row is encrypted.
    atomic = False

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
