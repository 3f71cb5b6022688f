from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rights_requests", "0002_reference_sequence_and_staff_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="rightsrequest",
            name="result",
            field=models.JSONField(
                blank=True, default=dict, help_text="What carrying it out produced, e.g. an erasure's receipt."
            ),
        ),
    ]
