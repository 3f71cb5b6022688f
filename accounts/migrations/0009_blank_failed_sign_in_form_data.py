"""Blank the query string, form and Accept header django-axes kept of earlier failed sign-ins.

From now on they are never stored (``accounts.signals.failed_sign_in_minimise``);
the rows kept from before may hold a mistyped password or a backup code sent in a
field axes did not mask. Nothing to restore when going back.
"""

from django.db import migrations


def blank_form_data(apps, schema_editor):
    AccessAttempt = apps.get_model("axes", "AccessAttempt")
    AccessAttempt.objects.exclude(get_data="", post_data="", http_accept="").update(
        get_data="", post_data="", http_accept=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_username_choice_rules"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.RunPython(blank_form_data, migrations.RunPython.noop),
    ]
