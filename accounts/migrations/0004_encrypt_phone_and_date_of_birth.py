"""Encrypt phone numbers and dates of birth at rest (the registry marks them sensitive).

The columns become ``text`` holding Fernet tokens; existing values are encrypted
here with the first key of ``PORTAL_ENCRYPTION_KEYS``. Values that are already
tokens are left alone, so running this again after an interruption is safe.
Reversing decrypts them back into plain columns.
"""

import django.core.validators
from cryptography.fernet import InvalidToken
from django.db import migrations

import learnerportal.encryption


def _rows(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, phone, date_of_birth FROM accounts_profile WHERE phone <> '' OR date_of_birth IS NOT NULL"
        )
        return cursor.fetchall()


def _is_token(value):
    try:
        learnerportal.encryption.decrypt_text(value)
    except InvalidToken:
        return False
    return True


def encrypt_existing(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for pk, phone, date_of_birth in _rows(schema_editor):
            values = [
                value if not value or _is_token(value) else learnerportal.encryption.encrypt_text(value)
                for value in (phone, date_of_birth)
            ]
            cursor.execute("UPDATE accounts_profile SET phone = %s, date_of_birth = %s WHERE id = %s", [*values, pk])


def decrypt_existing(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for pk, phone, date_of_birth in _rows(schema_editor):
            values = [learnerportal.encryption.decrypt_text(value) if value else value for value in (phone, date_of_birth)]
            cursor.execute("UPDATE accounts_profile SET phone = %s, date_of_birth = %s WHERE id = %s", [*values, pk])


class Migration(migrations.Migration):
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
