"""Write the search tokens of every existing request (``compliance.search.search_tokens_refresh``).

Not atomic: batches of short transactions, so the table is never locked for long. Interrupted,
it runs again and continues; until then the scan decrypts the requests without tokens.
"""

from django.db import migrations

from compliance.search import search_tokens_refresh


def write_tokens(apps, schema_editor):
    search_tokens_refresh(apps.get_model("rights_requests", "RightsRequest"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("rights_requests", "0019_details_search_tokens")]

    operations = [migrations.RunPython(write_tokens, migrations.RunPython.noop, elidable=True)]
