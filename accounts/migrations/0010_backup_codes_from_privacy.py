# Backup codes move here from the privacy app with their tables and rows as they are (privacy 0015
# drops them from its state). What names them by app label follows: their content types (so
# permissions and the admin log keep their references), the second factor a signed-in session
# passed (django-otp keeps "<app label>.<model>/<id>" in the session), and the owner's email about
# a sign-in change still waiting in the task queue.

import django.db.models.deletion
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations, models

MODELS = ("backupcodedevice", "backupcode")
OTP_DEVICE_KEY = "otp_device_id"
NOTICE_TASK = "{}.tasks.send_account_notice"


def _content_types_to(apps, old_label, new_label):
    content_types = apps.get_model("contenttypes", "ContentType").objects
    for model in MODELS:
        if not content_types.filter(app_label=new_label, model=model).exists():
            content_types.filter(app_label=old_label, model=model).update(app_label=new_label)


def _sessions_to(apps, old_label, new_label):
    old_prefix = f"{old_label}.backupcodedevice/"
    store = SessionStore()
    sessions = apps.get_model("sessions", "Session").objects
    for session in sessions.filter(session_data__isnull=False).iterator():
        data = store.decode(session.session_data)
        device_id = data.get(OTP_DEVICE_KEY, "")
        if device_id.startswith(old_prefix):
            data[OTP_DEVICE_KEY] = f"{new_label}.backupcodedevice/" + device_id.removeprefix(old_prefix)
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


def _queued_notices_to(apps, old_label, new_label):
    tasks = apps.get_model("django_tasks_database", "DBTaskResult").objects
    tasks.filter(task_path=NOTICE_TASK.format(old_label), status="READY").update(
        task_path=NOTICE_TASK.format(new_label)
    )


def forwards(apps, schema_editor):
    _content_types_to(apps, "privacy", "accounts")
    _sessions_to(apps, "privacy", "accounts")
    _queued_notices_to(apps, "privacy", "accounts")


def backwards(apps, schema_editor):
    _content_types_to(apps, "accounts", "privacy")
    _sessions_to(apps, "accounts", "privacy")
    _queued_notices_to(apps, "accounts", "privacy")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_blank_failed_sign_in_form_data"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
        ("privacy", "0015_two_factor_backup_codes_move_to_accounts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BackupCodeDevice",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(help_text="The human-readable name of this device.", max_length=64)),
                        ("confirmed", models.BooleanField(default=True, help_text="Is this device ready for use?")),
                        (
                            "throttling_failure_timestamp",
                            models.DateTimeField(
                                blank=True,
                                default=None,
                                help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                                null=True,
                            ),
                        ),
                        (
                            "throttling_failure_count",
                            models.PositiveIntegerField(default=0, help_text="Number of successive failed attempts."),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                help_text="The user that this device belongs to.",
                                on_delete=django.db.models.deletion.CASCADE,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "privacy_backupcodedevice"},
                ),
                migrations.CreateModel(
                    name="BackupCode",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("salt", models.CharField(max_length=32)),
                        ("digest", models.CharField(max_length=64)),
                        ("used_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "device",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="codes",
                                to="accounts.backupcodedevice",
                            ),
                        ),
                    ],
                    options={"db_table": "privacy_backupcode"},
                ),
            ]
        ),
        migrations.RunPython(forwards, backwards),
    ]
