# Backup codes move to accounts (accounts 0010), which keeps these tables; here the models leave
# this app's state.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0014_audit_log_moves_to_compliance"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="backupcodedevice", name="user"),
                migrations.DeleteModel(name="BackupCode"),
                migrations.DeleteModel(name="BackupCodeDevice"),
            ]
        ),
    ]
