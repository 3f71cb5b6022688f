"""Index what each username reads as (``accounts.models.username_skeleton_sql``), for the look-alike rule.

Built concurrently, so sign-ups and sign-ins go on while it is built on a large table.
"""

import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('accounts', '0007_staff_group_permissions'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='user',
            index=models.Index(django.db.models.functions.text.Replace(django.db.models.functions.text.Replace(models.Func(django.db.models.functions.text.Lower('username'), models.Value('0123456789i._-'), models.Value('olzeasbtbgl'), function='translate', output_field=models.CharField()), models.Value('rn'), models.Value('m')), models.Value('vv'), models.Value('w')), name='accounts_user_name_skeleton'),
        ),
    ]
