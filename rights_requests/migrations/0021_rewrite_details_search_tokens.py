"""Write the search tokens of every request again: words now end at a Greek iota, and JSON escapes are undone.

Tokens written before (0020) hold "wnnoor" for a note's second line "noor@example.org", and
one word where a combining ypogegrammeni (U+0345) stands for an iota; the scan would not
decrypt such a request. Not atomic, as 0020: batches of short transactions; interrupted, it
runs again from the start.
"""

from django.db import migrations

from compliance.search import search_tokens_refresh


def write_tokens(apps, schema_editor):
    search_tokens_refresh(apps.get_model("rights_requests", "RightsRequest"), every_row=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("rights_requests", "0020_write_details_search_tokens")]

    operations = [migrations.RunPython(write_tokens, migrations.RunPython.noop, elidable=True)]
