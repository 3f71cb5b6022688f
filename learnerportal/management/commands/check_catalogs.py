"""Refuse catalogs a reader would see English through: incomplete, or behind the code (``make catalogs-check``)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from learnerportal.catalogs import (
    MAKEMESSAGES_ARGS,
    CatalogsNotMade,
    catalog_disagreements,
    catalog_gaps,
    catalog_paths,
    catalogs_stale,
)

#: How many msgids of each problem are listed; the rest are counted.
SHOWN = 10


class Command(BaseCommand):
    help = (
        "Fail when a catalog has an untranslated or fuzzy entry, or when makemessages would change it "
        "(needs GNU gettext's xgettext)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--current-only", action="store_true", help="Check only that makemessages would change no catalog."
        )

    def handle(self, *args, current_only, **options):
        root = settings.BASE_DIR
        problems = []
        if not current_only:
            for po_path in catalog_paths(root):
                gaps = catalog_gaps(po_path)
                for kind, msgids in (("untranslated", gaps.untranslated), ("fuzzy", gaps.fuzzy)):
                    if msgids:
                        problems.append(_listed(f"{po_path.relative_to(root)}: {len(msgids)} {kind}", msgids))
            by_language = {}
            for po_path in catalog_paths(root):
                by_language.setdefault(po_path.parent.parent.name, []).append(po_path)
            for language, po_paths in sorted(by_language.items()):
                if differing := catalog_disagreements(po_paths):
                    heading = f"{language}: {len(differing)} msgid(s) translated apart by two catalogs (give contexts)"
                    problems.append(_listed(heading, [msgid for _, msgid in sorted(differing, key=str)]))
        languages = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
        try:
            stale = catalogs_stale(root, languages=languages)
        except CatalogsNotMade as error:
            raise CommandError(f"makemessages failed: {error}") from error
        for path, (added, retired) in stale.items():
            if added:
                problems.append(_listed(f"{path}: {len(added)} msgid(s) not in it yet", [m for _, m in sorted(added)]))
            if retired:
                problems.append(
                    _listed(f"{path}: {len(retired)} msgid(s) no longer used", [m for _, m in sorted(retired)])
                )
        if problems:
            command = "python manage.py " + " ".join(MAKEMESSAGES_ARGS) + " -l " + " -l ".join(languages)
            raise CommandError("\n".join([*problems, f"Regenerate with: {command}, then translate."]))
        self.stdout.write("Catalogs current." if current_only else "Catalogs complete and current.")


def _listed(heading, msgids):
    shown = [f"    {msgid!r}" for msgid in msgids[:SHOWN]]
    more = [f"    … and {len(msgids) - SHOWN} more"] if len(msgids) > SHOWN else []
    return "\n".join([heading, *shown, *more])
