"""The profile's fields carry their rules (``accounts.validators``) and the Account tab's words for a refused value.

Validators and messages only: nothing changes in the database.
"""

import accounts.validators
import django.core.validators
import django_countries.fields
import learnerportal.encryption
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0010_backup_codes_from_privacy"),
    ]

    operations = [
        migrations.AlterField(
            model_name='profile',
            name='bio',
            field=models.TextField(blank=True, max_length=300, validators=[django.core.validators.MaxLengthValidator(300), django.core.validators.ProhibitNullCharactersValidator()]),
        ),
        migrations.AlterField(
            model_name='profile',
            name='country',
            field=django_countries.fields.CountryField(blank=True, error_messages={'invalid_choice': 'Select a valid choice. %(value)s is not one of the available choices.'}, max_length=2),
        ),
        migrations.AlterField(
            model_name='profile',
            name='date_of_birth',
            field=learnerportal.encryption.EncryptedDateField(blank=True, error_messages={'invalid': 'Enter a valid date.', 'invalid_date': 'Enter a valid date.'}, null=True, validators=[accounts.validators.validate_date_of_birth]),
        ),
        migrations.AlterField(
            model_name='profile',
            name='education_level',
            field=models.CharField(blank=True, choices=[('secondary', 'Secondary school'), ('vocational', 'Vocational training'), ('bachelor', "Bachelor's degree"), ('master', "Master's degree"), ('doctorate', 'Doctorate'), ('other', 'Other')], error_messages={'invalid_choice': 'Select a valid choice. %(value)s is not one of the available choices.'}, max_length=20),
        ),
        migrations.AlterField(
            model_name='profile',
            name='full_name',
            field=models.CharField(blank=True, max_length=150, validators=[django.core.validators.ProhibitNullCharactersValidator()]),
        ),
        migrations.AlterField(
            model_name='profile',
            name='occupation',
            field=models.CharField(blank=True, max_length=100, validators=[django.core.validators.ProhibitNullCharactersValidator()]),
        ),
    ]
