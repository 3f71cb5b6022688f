# The audit log moves from the privacy app to the compliance base with its table, rows and indexes
# as they are: the model state moves, the database keeps privacy_auditevent. Its triggers are
# dropped by privacy 0014 and installed again here under the names django-pgtrigger gives them in
# this app; the content type is renamed, so staff groups keep their permissions and the admin log
# its references.
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


def content_type_to(apps, old_label, new_label):
    """Rename the audit log's content type from one app label to the other, unless the new one exists."""
    content_types = apps.get_model("contenttypes", "ContentType").objects
    if not content_types.filter(app_label=new_label, model="auditevent").exists():
        content_types.filter(app_label=old_label, model="auditevent").update(app_label=new_label)


def forwards(apps, schema_editor):
    content_type_to(apps, "privacy", "compliance")


def backwards(apps, schema_editor):
    content_type_to(apps, "compliance", "privacy")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("privacy", "0014_audit_log_moves_to_compliance"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "actor_role",
                            models.CharField(
                                choices=[
                                    ("subject", "You"),
                                    ("system", "The portal"),
                                    ("support_agent", "A member of the support team"),
                                    ("privacy_officer", "Our privacy officer"),
                                    ("staff", "A member of staff"),
                                    ("other", "Someone else"),
                                ],
                                default="system",
                                max_length=20,
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("signed_up", "Account created"),
                                    ("profile_updated", "Profile updated"),
                                    ("photo_changed", "Photo changed"),
                                    ("photo_removed", "Photo removed"),
                                    ("visibility_changed", "Profile visibility changed"),
                                    ("visibility_reviewed", "Profile visibility reviewed"),
                                    ("password_changed", "Password changed"),
                                    ("password_reset", "Password reset by email"),
                                    ("two_factor_enabled", "Two-factor authentication turned on"),
                                    ("two_factor_disabled", "Two-factor authentication turned off"),
                                    ("backup_codes_regenerated", "New backup codes made"),
                                    ("signed_in", "Signed in"),
                                    ("signed_out", "Signed out"),
                                    ("login_failed", "Failed sign-in attempt"),
                                    ("sessions_ended", "Signed out of other sessions"),
                                    ("login_locked_out", "Sign-in locked after repeated failed attempts"),
                                    ("consent_changed", "Consent changed"),
                                    ("restriction_started", "Processing restricted"),
                                    ("restriction_lifted", "Restriction of processing lifted"),
                                    ("request_step", "Data-rights request changed"),
                                    ("export_generated", "Copy of the data prepared"),
                                    ("export_downloaded", "Copy of the data downloaded"),
                                    ("partner_shared", "Listed in a course partner's roster"),
                                    ("research_included", "Counted in the de-identified research dataset"),
                                    ("staff_viewed", "Staff viewed personal data"),
                                    ("api_token_created", "API token created"),
                                    ("api_token_revoked", "API token revoked"),
                                    ("account_changed", "Account details changed in admin"),
                                    ("account_change_refused", "Change to the account refused"),
                                ],
                                max_length=40,
                            ),
                        ),
                        ("changes", models.JSONField(blank=True, default=dict)),
                        (
                            "request_id",
                            models.CharField(
                                blank=True, help_text="The HTTP request that caused it, if any.", max_length=36
                            ),
                        ),
                        (
                            "network",
                            models.CharField(
                                blank=True, help_text="The IP address truncated to /24 or /48.", max_length=50
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "pseudonymised_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="When the data subject's account was erased and this row pseudonymised.",
                                null=True,
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                help_text="Who did it; empty for the system.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="audit_events_as_actor",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "subject",
                            models.ForeignKey(
                                help_text="The data subject.",
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="audit_events",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "privacy_auditevent",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["subject", "-created_at"], name="privacy_audit_subject_time"),
                            models.Index(fields=["created_at"], name="privacy_audit_time"),
                        ],
                    },
                )
            ]
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF TG_OP = 'UPDATE' AND OLD.pseudonymised_at IS NULL AND NEW.pseudonymised_at IS NOT NULL AND NEW.network = '' AND (NEW.id, NEW.subject_id, NEW.actor_id, NEW.actor_role, NEW.action, NEW.changes, NEW.request_id, NEW.created_at) IS NOT DISTINCT FROM (OLD.id, OLD.subject_id, OLD.actor_id, OLD.actor_role, OLD.action, OLD.changes, OLD.request_id, OLD.created_at) AND NEW.subject_id::text = current_setting('portal.erasing_subject', true) THEN RETURN NEW; END IF; RAISE EXCEPTION 'pgtrigger: the audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME;",
                    hash="012f1a629d0efe60db81f078759506963ef62e5c",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_f6049",
                    table="privacy_auditevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditevent",
            trigger=pgtrigger.compiler.Trigger(
                name="no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF current_setting('portal.truncate_allowed', true) = 'on' THEN RETURN NULL; END IF; RAISE EXCEPTION 'pgtrigger: the audit log is append-only: TRUNCATE refused';",
                    hash="2838cd2039c0f5bbd5bd86827577c7d949c3a2eb",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_no_truncate_562be",
                    table="privacy_auditevent",
                    when="BEFORE",
                ),
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
