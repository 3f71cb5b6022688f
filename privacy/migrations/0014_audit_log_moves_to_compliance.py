# The audit log moves to the compliance base (compliance 0001), which keeps this table; here its
# triggers are dropped (compliance 0001 installs them again) and the model leaves this app's state.
# It comes after every migration that grants the model's permissions under its old app label.

import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0013_staff_account_guard"),
        ("accounts", "0007_staff_group_permissions"),
        ("rights_requests", "0002_reference_sequence_and_staff_groups"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name="auditevent", name="append_only"),
        pgtrigger.migrations.RemoveTrigger(model_name="auditevent", name="no_truncate"),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="AuditEvent")]),
    ]
