"""Give each staff group every permission its work needs, on every database.

The privacy officer restricts processing (GDPR Art. 18) in admin, which takes
``privacy.add_processingrestriction``. That grant was added to privacy's 0007
after the migration had already run on some databases, so there the officer
could not add a restriction; migrations never run twice. ``STAFF_GROUPS`` below
is each group's whole set as the workflow needs it; what a group lacks is
added, nothing is taken away (a superuser may have granted more).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

#: Group name → ``(app label, codename)`` of every permission the group's work needs.
STAFF_GROUPS = {
    "Support agent": [
        ("accounts", "view_user"),
        ("privacy", "view_processingrestriction"),
        ("privacy", "view_processingrun"),
        ("rights_requests", "view_rightsrequest"),
        ("rights_requests", "work_rightsrequest"),
        ("rights_requests", "view_requestevent"),
    ],
    "Privacy officer": [
        ("accounts", "view_user"),
        ("privacy", "view_auditevent"),
        ("privacy", "view_processingrestriction"),
        ("privacy", "add_processingrestriction"),
        ("privacy", "change_processingrestriction"),
        ("privacy", "view_processingrun"),
        ("privacy", "view_policyversion"),
        ("privacy", "add_policyversion"),
        ("privacy", "change_policyversion"),
        ("rights_requests", "view_rightsrequest"),
        ("rights_requests", "work_rightsrequest"),
        ("rights_requests", "view_requestevent"),
        ("rights_requests", "decide_erasure"),
        ("rights_requests", "extend_deadline"),
    ],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in STAFF_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *[Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in permissions]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_totp_device_encrypted_key"),
        ("privacy", "0007_policy_versions"),
        ("rights_requests", "0002_reference_sequence_and_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
