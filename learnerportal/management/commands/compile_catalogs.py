"""Compile the message catalogs (``.po`` → ``.mo``) with polib: ``make run``, ``make test`` and ``make bench`` do."""

from django.conf import settings
from django.core.management.base import BaseCommand

from learnerportal.catalogs import catalogs_compile


class Command(BaseCommand):
    help = "Compile every message catalog whose .mo file is missing or older than its .po file (no GNU gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile every catalog, changed or not.")

    def handle(self, *args, force, **options):
        written = catalogs_compile(settings.BASE_DIR, force=force)
        if options["verbosity"] >= 1:
            self.stdout.write(f"Compiled {len(written)} catalog(s).")
