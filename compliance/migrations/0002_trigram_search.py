# The erasure receipt's scan reaches free text in everyone's rows through pg_trgm GIN indexes
# (compliance/search.py). This creates the extension, which the other apps' index migrations
# follow, and indexes the admin log's free text, whose model is Django's (no Meta to add them to).
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

ADMIN_LOG_COLUMNS = {"object_id": "objid", "object_repr": "objrepr", "change_message": "message"}


def _index_sql():
    create, drop = [], []
    for column, short in ADMIN_LOG_COLUMNS.items():
        for kind, expression in (
            ("text", f'UPPER("{column}")'),
            ("digits", f"regexp_replace(\"{column}\", '[^0-9]', '', 'g')"),
        ):
            name = f"admin_log_{short}_{kind}"
            create.append(f'CREATE INDEX "{name}" ON "django_admin_log" USING gin (({expression}) gin_trgm_ops)')
            drop.append(f'DROP INDEX IF EXISTS "{name}"')
    return create, drop


CREATE_INDEXES, DROP_INDEXES = _index_sql()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(CREATE_INDEXES, DROP_INDEXES),
    ]
