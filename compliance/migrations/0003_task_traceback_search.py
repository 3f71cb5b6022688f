# The task queue's tracebacks are searched by the erasure receipt's scan in every row (a mail
# server's refusal may quote an address): their trigram indexes, as compliance/search.py makes
# them for our own models. The model is django-tasks-db's, so the indexes are made here.
from django.db import migrations

INDEXES = {
    "tasks_traceback_text": 'UPPER("traceback")',
    "tasks_traceback_digits": "regexp_replace(\"traceback\", '[^0-9]', '', 'g')",
}


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_trigram_search"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            [
                f'CREATE INDEX "{name}" ON "django_tasks_database_dbtaskresult" USING gin (({expression}) gin_trgm_ops)'
                for name, expression in INDEXES.items()
            ],
            [f'DROP INDEX IF EXISTS "{name}"' for name in INDEXES],
        ),
    ]
