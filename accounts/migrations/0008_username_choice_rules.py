"""Usernames: the rules on choosing one leave the field's validators; what each name reads as is indexed.

The reserved-name rule now applies when a name is chosen (``User.validate_unique``),
so that names given earlier and erasure's "erased-…" names stay valid. The index of
``accounts.models.username_skeleton_sql`` serves the look-alike rule; it is built
concurrently, so sign-ups and sign-ins go on while it is built on a large table.
"""

import django.core.validators
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
        migrations.AlterField(
            model_name='user',
            name='username',
            field=models.CharField(error_messages={'unique': 'That username is taken.'}, help_text="Public: it is part of your profile's address.", max_length=30, unique=True, validators=[django.core.validators.RegexValidator('^[A-Za-z0-9](?:[A-Za-z0-9]|[_.-](?=[A-Za-z0-9])){2,29}\\Z', 'Use 3 to 30 letters (A–Z) and digits, with single dots, hyphens or underscores between them.', code='invalid_username')]),
        ),
        AddIndexConcurrently(
            model_name='user',
            index=models.Index(django.db.models.functions.text.Replace(django.db.models.functions.text.Replace(models.Func(django.db.models.functions.text.Lower('username'), models.Value('0123456789i._-'), models.Value('olzeasbtbgl'), function='translate', output_field=models.CharField()), models.Value('rn'), models.Value('m')), models.Value('vv'), models.Value('w')), name='accounts_user_name_skeleton'),
        ),
    ]
