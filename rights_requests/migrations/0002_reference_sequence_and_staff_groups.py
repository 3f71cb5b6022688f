"""Number request references from a sequence; create the staff groups and their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Support agent": [
        ("rights_requests", "view_rightsrequest"),
        ("rights_requests", "work_rightsrequest"),
        ("rights_requests", "view_requestevent"),
        ("accounts", "view_user"),
    ],
    "Privacy officer": [
        ("rights_requests", "view_rightsrequest"),
        ("rights_requests", "work_rightsrequest"),
        ("rights_requests", "view_requestevent"),
        ("rights_requests", "decide_erasure"),
        ("rights_requests", "extend_deadline"),
        ("accounts", "view_user"),
        ("privacy", "view_auditevent"),
    ],
}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in permissions]
        )


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rights_requests", "0001_initial"),
        ("privacy", "0001_initial"),
        ("accounts", "0002_username_rules"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE rights_requests_reference_seq START 1",
            "DROP SEQUENCE rights_requests_reference_seq",
        ),
        migrations.RunPython(create_groups, delete_groups),
    ]
