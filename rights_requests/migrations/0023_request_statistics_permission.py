"""The privacy officer's statistics page: its permission, given to the Privacy officer group."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


#: Group name → ``(app label, codename)`` of the permissions this migration adds to the group.
GRANTS = {"Privacy officer": [("rights_requests", "view_request_statistics")]}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("rights_requests")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *[Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in permissions]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("rights_requests", "0022_request_field_verbose_names"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="rightsrequest",
            options={
                "ordering": ["due_at"],
                "permissions": [
                    ("work_rightsrequest", "Can work data-rights requests"),
                    ("decide_erasure", "Can approve or reject erasure requests"),
                    ("extend_deadline", "Can extend the deadline of data-rights requests"),
                    ("view_request_statistics", "Can view data-rights request statistics"),
                ],
                "verbose_name": "data-rights request",
                "verbose_name_plural": "data-rights requests",
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
