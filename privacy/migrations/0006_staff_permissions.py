"""Let staff see restrictions and processing runs; the privacy officer may lift restrictions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Support agent": ["view_processingrestriction", "view_processingrun"],
    "Privacy officer": ["view_processingrestriction", "change_processingrestriction", "view_processingrun"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*Permission.objects.filter(content_type__app_label="privacy", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0005_restriction_and_processing_runs"),
        ("rights_requests", "0002_reference_sequence_and_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
