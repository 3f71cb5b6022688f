"""Authenticator devices with their TOTP keys encrypted at rest; existing devices moved over.

django-otp's ``otp_totp`` plugin kept each learner's TOTP secret in clear in
``otp_totp_totpdevice.key``, so every database backup held every second factor.
``accounts.TOTPDevice`` stores the key encrypted (``PORTAL_ENCRYPTION_KEYS``).
This moves each existing device over, its key encrypted and every other field
kept (confirmation, drift, last step used, throttling, timestamps), in batches,
and deletes the old rows; the plugin is no longer installed, its emptied table
stays. Reversing moves the devices back, keys in clear. Sessions verified with
an old device ask for a code again.
"""

import accounts.models
import django.db.models.deletion
import learnerportal.encryption
from django.conf import settings
from django.db import migrations, models

LEGACY_TABLE = "otp_totp_totpdevice"
#: The columns both tables share, the key among them.
COLUMNS = (
    "user_id", "name", "confirmed", "key", "step", "t0", "digits", "tolerance", "drift", "last_t",
    "throttling_failure_timestamp", "throttling_failure_count", "created_at", "last_used_at",
)  # fmt: skip
BATCH_SIZE = 500


def _legacy_table_exists(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        return LEGACY_TABLE in schema_editor.connection.introspection.table_names(cursor)


def _copy(schema_editor, source, target, convert_key, *, delete_copied):
    """Copy every device from table ``source`` to ``target``, batch by batch, passing its key through ``convert_key``."""
    key = COLUMNS.index("key")
    columns = ", ".join(COLUMNS)
    insert = f"INSERT INTO {target} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    after = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {columns} FROM {source} WHERE id > %s ORDER BY id LIMIT %s", [after, BATCH_SIZE]
            )
            rows = cursor.fetchall()
            if not rows:
                return
            values = [[*row[1 : key + 1], convert_key(row[key + 1]), *row[key + 2 :]] for row in rows]
            cursor.executemany(insert, values)
            after = rows[-1][0]
            if delete_copied:
                cursor.execute(f"DELETE FROM {source} WHERE id = ANY(%s)", [[row[0] for row in rows]])


def move_devices_in(apps, schema_editor):
    """Move every plugin device into ``accounts_totpdevice``, its key encrypted; the plain rows go."""
    if _legacy_table_exists(schema_editor):
        _copy(
            schema_editor,
            LEGACY_TABLE,
            "accounts_totpdevice",
            learnerportal.encryption.encrypt_text,
            delete_copied=True,
        )


def move_devices_out(apps, schema_editor):
    """Copy every device back into the plugin's table, its key decrypted (the table goes with this migration)."""
    if _legacy_table_exists(schema_editor):
        _copy(
            schema_editor,
            "accounts_totpdevice",
            LEGACY_TABLE,
            learnerportal.encryption.decrypt_text,
            delete_copied=False,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_personal_access_tokens'),
    ]

    operations = [
        migrations.CreateModel(
            name='TOTPDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('key', learnerportal.encryption.EncryptedCharField(default=accounts.models.totp_key_default, help_text='A hex-encoded secret key of up to 40 bytes, encrypted at rest.', max_length=80, validators=[accounts.models.validate_totp_key])),
                ('step', models.PositiveSmallIntegerField(default=30, help_text='The time step in seconds.')),
                ('t0', models.BigIntegerField(default=0, help_text='The Unix time at which to begin counting steps.')),
                ('digits', models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6, help_text='The number of digits to expect in a token.')),
                ('tolerance', models.PositiveSmallIntegerField(default=1, help_text='The number of time steps in the past or future to allow.')),
                ('drift', models.SmallIntegerField(default=0, help_text='The number of time steps the prover is known to deviate from our clock.')),
                ('last_t', models.BigIntegerField(default=-1, help_text='The t value of the latest verified token. The next token must be at a higher time step.')),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'TOTP device',
                'abstract': False,
            },
        ),
        migrations.RunPython(move_devices_in, move_devices_out),
    ]
