"""Each request records the data-protection regime it was filed under; those filed before regimes were GDPR's."""

from django.db import migrations, models


def backfill_gdpr(apps, schema_editor):
    """Record GDPR on every existing request: until regimes, every request was handled under it."""
    apps.get_model("rights_requests", "RightsRequest").objects.filter(regime__isnull=True).update(regime="gdpr")


class Migration(migrations.Migration):
    dependencies = [
        ("rights_requests", "0023_request_statistics_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="rightsrequest",
            name="regime",
            field=models.CharField(max_length=10, null=True),
        ),
        migrations.RunPython(backfill_gdpr, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="rightsrequest",
            name="regime",
            field=models.CharField(
                choices=[
                    ("gdpr", "EU/EEA GDPR"),
                    ("uk_gdpr", "UK GDPR"),
                    ("ccpa", "California CCPA/CPRA"),
                    ("lgpd", "Brazil LGPD"),
                    ("default", "Platform standard"),
                ],
                default="gdpr",
                help_text="The data-protection law that applied to the learner when the request was filed.",
                max_length=10,
                verbose_name="regime",
            ),
        ),
        migrations.AddIndex(
            model_name="rightsrequest",
            index=models.Index(fields=["regime", "status", "due_at"], name="rr_regime_status_due"),
        ),
    ]
