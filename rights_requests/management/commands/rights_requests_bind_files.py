"""Rewrite request files still in an earlier format into the format bound to their request.

Migration 0015 does this on upgrade; a file it could not read then (storage not
mounted, a key missing from ``PORTAL_ENCRYPTION_KEYS``) is rewritten by running
this once it can be read. Files already bound are left alone, so it is safe to
run again.
"""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

MIGRATION = "rights_requests.migrations.0015_request_files_bound_to_their_request"


class Command(BaseCommand):
    help = "Rewrite request files still in an earlier format into the format bound to their request."

    def handle(self, *args, **options):
        rewritten, skipped = importlib.import_module(MIGRATION).bind_to_requests(apps, None)
        self.stdout.write(f"Rewrote {rewritten} request file(s).")
        if skipped:
            raise CommandError(f"{skipped} request file(s) could not be read; they stay unavailable to download.")
