"""The blind index of a request's details (``compliance.search``): its column, indexes and trigger.

Migration 0020 writes the tokens of the requests that exist.
"""

import compliance.search
import django.contrib.postgres.indexes
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rights_requests', '0018_request_verbose_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='rightsrequest',
            name='details_search',
            field=compliance.search.SearchTokensField('details', help_text="Keyed hashes of the details' words: erasure finds a name through them without decrypting."),
        ),
        migrations.AddIndex(
            model_name='rightsrequest',
            index=django.contrib.postgres.indexes.GinIndex(fields=['details_search'], name='rr_request_details_se_tok'),
        ),
        migrations.AddIndex(
            model_name='rightsrequest',
            index=models.Index(condition=models.Q(('details_search__isnull', True)), fields=['details_search'], name='rr_request_details_se_nul'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='rightsrequest',
            trigger=pgtrigger.compiler.Trigger(name='rr_request_details_se_stale', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."details" IS DISTINCT FROM NEW."details" AND OLD."details_search" IS NOT DISTINCT FROM NEW."details_search")', func='NEW."details_search" := NULL; RETURN NEW;', hash='1e004b67b6a0af6a96528b659ad8eead5fe5285a', operation='UPDATE', pgid='pgtrigger_rr_request_details_se_stale_702c1', table='rights_requests_rightsrequest', when='BEFORE')),
        ),
    ]
