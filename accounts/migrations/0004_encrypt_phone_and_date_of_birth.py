"""Encrypt phone numbers and dates of birth at rest (the registry marks them sensitive).

The columns become ``text`` holding Fernet tokens; existing values are encrypted
here with the first key of ``PORTAL_ENCRYPTION_KEYS``. Values that are already
tokens are left alone, so running this again after an interruption is safe: the
rows are encrypted in batches, each committed on its own, holding row locks only.
Reversing decrypts them back into plain columns.
"""

import django.core.validators
from cryptography.fernet import InvalidToken
from django.db import migrations

import learnerportal.encryption


COLUMNS = ("phone", "date_of_birth")
NOT_EMPTY = "phone <> '' OR date_of_birth IS NOT NULL"


def _is_token(value):
    try:
        learnerportal.encryption.decrypt_text(value)
    except InvalidToken:
        return False
    return True


def _encrypt(values):
    return tuple(
        value if not value or _is_token(value) else learnerportal.encryption.encrypt_text(value) for value in values
    )


def _decrypt(values):
    return tuple(learnerportal.encryption.decrypt_text(value) if value else value for value in values)


def encrypt_existing(apps, schema_editor):
    learnerportal.encryption.rewrite_in_batches(
        schema_editor.connection, table="accounts_profile", columns=COLUMNS, rewrite=_encrypt, where=NOT_EMPTY
    )


def decrypt_existing(apps, schema_editor):
    learnerportal.encryption.rewrite_in_batches(
        schema_editor.connection, table="accounts_profile", columns=COLUMNS, rewrite=_decrypt, where=NOT_EMPTY
    )


class Migration(migrations.Migration):
    # Each step commits on its own and the data step in batches (learnerportal.encryption.rewrite_in_batches):
    # one transaction would hold the table's lock from the column change until the last row is encrypted.
    atomic = False

    dependencies = [
        ("accounts", "0003_user_sessions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="profile",
            name="phone",
            field=learnerportal.encryption.EncryptedCharField(
                blank=True,
                max_length=24,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\+?[0-9][0-9 ()./-]{5,22}\\Z",
                        "Enter a phone number of digits, optionally starting with + and the country code.",
                        code="invalid_phone",
                    )
                ],
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="profile",
                    name="date_of_birth",
                    field=learnerportal.encryption.EncryptedDateField(blank=True, null=True),
                ),
            ],
            database_operations=[
                # PostgreSQL casts text back to date only when told how.
                migrations.RunSQL(
                    "ALTER TABLE accounts_profile ALTER COLUMN date_of_birth TYPE text USING date_of_birth::text",
                    "ALTER TABLE accounts_profile ALTER COLUMN date_of_birth TYPE date USING date_of_birth::date",
                ),
            ],
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
