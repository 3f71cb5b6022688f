"""A learner's US state and the regime staff may record for them; the Privacy officer group may record it."""

import accounts.validators
import compliance.search
import django.contrib.postgres.indexes
import django.core.validators
import django.db.models.functions.text
from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def grant(apps, schema_editor):
    """Give the Privacy officer group the permission to record a learner's regime."""
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Privacy officer")
    group.permissions.add(Permission.objects.get(content_type__app_label="accounts", codename="record_regime"))


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('accounts', '0016_accountrecovery'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='profile',
            options={'permissions': [('record_regime', "Can record a learner's data-protection regime")]},
        ),
        migrations.AddField(
            model_name='profile',
            name='regime_override',
            field=models.CharField(blank=True, choices=[('gdpr', 'EU/EEA GDPR'), ('uk_gdpr', 'UK GDPR'), ('ccpa', 'California CCPA/CPRA'), ('lgpd', 'Brazil LGPD'), ('default', 'Platform standard')], help_text="Empty: the regime follows the learner's country (and state).", max_length=10, verbose_name='regime recorded by staff'),
        ),
        migrations.AddField(
            model_name='profile',
            name='regime_override_reason',
            field=models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000), django.core.validators.ProhibitNullCharactersValidator(), accounts.validators.prohibit_direction_controls], verbose_name='why staff recorded this regime'),
        ),
        migrations.AddField(
            model_name='profile',
            name='us_state',
            field=models.CharField(blank=True, choices=[('AL', 'Alabama'), ('AK', 'Alaska'), ('AZ', 'Arizona'), ('AR', 'Arkansas'), ('CA', 'California'), ('CO', 'Colorado'), ('CT', 'Connecticut'), ('DE', 'Delaware'), ('DC', 'District of Columbia'), ('FL', 'Florida'), ('GA', 'Georgia'), ('HI', 'Hawaii'), ('ID', 'Idaho'), ('IL', 'Illinois'), ('IN', 'Indiana'), ('IA', 'Iowa'), ('KS', 'Kansas'), ('KY', 'Kentucky'), ('LA', 'Louisiana'), ('ME', 'Maine'), ('MD', 'Maryland'), ('MA', 'Massachusetts'), ('MI', 'Michigan'), ('MN', 'Minnesota'), ('MS', 'Mississippi'), ('MO', 'Missouri'), ('MT', 'Montana'), ('NE', 'Nebraska'), ('NV', 'Nevada'), ('NH', 'New Hampshire'), ('NJ', 'New Jersey'), ('NM', 'New Mexico'), ('NY', 'New York'), ('NC', 'North Carolina'), ('ND', 'North Dakota'), ('OH', 'Ohio'), ('OK', 'Oklahoma'), ('OR', 'Oregon'), ('PA', 'Pennsylvania'), ('RI', 'Rhode Island'), ('SC', 'South Carolina'), ('SD', 'South Dakota'), ('TN', 'Tennessee'), ('TX', 'Texas'), ('UT', 'Utah'), ('VT', 'Vermont'), ('VA', 'Virginia'), ('WA', 'Washington'), ('WV', 'West Virginia'), ('WI', 'Wisconsin'), ('WY', 'Wyoming')], error_messages={'invalid_choice': 'Select a valid choice. %(value)s is not one of the available choices.'}, max_length=2, verbose_name='state'),
        ),
        migrations.AddIndex(
            model_name='profile',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('regime_override_reason'), name='gin_trgm_ops'), name='acc_profile_regime_ove_text'),
        ),
        migrations.AddIndex(
            model_name='profile',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(compliance.search.Digits('regime_override_reason'), name='gin_trgm_ops'), name='acc_profile_regime_ove_digits'),
        ),
        migrations.AddConstraint(
            model_name='profile',
            constraint=models.CheckConstraint(condition=models.Q(('regime_override', ''), models.Q(('regime_override_reason', ''), _negated=True), _connector='OR'), name='accounts_profile_regime_override_has_reason'),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
