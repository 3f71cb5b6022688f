"""Make the database cache's table, so that ``migrate`` is all a new database needs.

The table is made whether or not ``REDIS_URL`` is set today, so that a site may
move from Redis to the database cache without a manual step. Its name is the
``LOCATION`` of the database cache in ``learnerportal/settings.py``.
"""

from django.core.management import call_command
from django.db import migrations

TABLE = "portal_cache"


def create_cache_table(apps, schema_editor):
    # Django's own command: the columns and index its DatabaseCache expects; nothing if the table exists.
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
