"""The message catalogs: compiled without GNU gettext, and checked complete and current.

The catalogs are the ``.po`` files of the shell and templates (``locale/``) and of each app
(``<app>/locale/``), one per language other than the source language, English. Their ``.mo``
files are never kept in git: ``make run``, ``make test`` and ``make bench`` compile them with
``catalogs_compile`` (polib, so that nothing but Python is needed). ``make catalogs-check``
refuses a catalog with an untranslated or fuzzy entry (``catalog_gaps``) or one that
``makemessages`` would change (``catalogs_stale``).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polib

#: The one ``makemessages`` command every catalog is regenerated with, from the repository's root
#: (the same flags everywhere, so that catalogs written by different people merge cleanly).
MAKEMESSAGES_ARGS = (
    "makemessages",
    "--add-location=file",
    "--no-wrap",
    "--ignore=.venv",
    "--ignore=bench",
    "--ignore=*/tests/*",
    "--ignore=test-artifacts",
    "--ignore=var",
    "--ignore=staticfiles",
    "--ignore=docs",
)

#: What a copy of the source tree for ``catalogs_stale`` leaves out: nothing ``makemessages`` reads.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "test-artifacts", "var", "staticfiles", "docs", "bench", "__pycache__", ".*_cache", "*.mo"
)


def catalog_paths(root):
    """Return the ``.po`` files under ``root`` (a ``Path``): ``locale/`` and ``<app>/locale/``, sorted."""
    return sorted([*root.glob("locale/*/LC_MESSAGES/*.po"), *root.glob("*/locale/*/LC_MESSAGES/*.po")])


def catalogs_compile(root, *, force=False):
    """Write the ``.mo`` file beside each ``.po`` file under ``root`` that is newer than it (or every one).

    As ``msgfmt`` does, fuzzy and obsolete entries are left out: their English is shown.

    Returns:
        list of the ``Path``s of the ``.mo`` files written.
    """
    written = []
    for po_path in catalog_paths(root):
        mo_path = po_path.with_suffix(".mo")
        if force or not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            # Written aside, then moved into place: a process reading the catalog never sees half of it.
            partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.tmp")
            polib.pofile(str(po_path)).save_as_mofile(str(partial))
            os.replace(partial, mo_path)
            written.append(mo_path)
    return written


class CatalogsNotMade(Exception):
    """``makemessages`` could not regenerate the catalogs; the message is its own."""


@dataclass(frozen=True)
class CatalogGaps:
    """The entries of one catalog a reader would see in English: msgids untranslated, and fuzzy."""

    untranslated: tuple
    fuzzy: tuple

    def __bool__(self):
        return bool(self.untranslated or self.fuzzy)


def catalog_gaps(po_path):
    """Return the ``CatalogGaps`` of the ``.po`` file ``po_path`` (obsolete entries are not counted)."""
    catalog = polib.pofile(str(po_path))
    return CatalogGaps(
        untranslated=tuple(entry.msgid for entry in catalog.untranslated_entries()),
        fuzzy=tuple(entry.msgid for entry in catalog.fuzzy_entries()),
    )


def catalog_disagreements(po_paths):
    """Return the messages two catalogs of one language translate differently: ``{(msgctxt, msgid): {msgstr, …}}``.

    Django merges every catalog of a language into one and the project's own (``LOCALE_PATHS``)
    wins, so such a message reads the same wherever it appears, one of the two translations
    lost: "Completed" said of a course and of a request needs a context of its own
    (``pgettext``), as Spanish genders them (completado, completada).

    Args:
        po_paths: the ``.po`` files of one language.
    """
    translations = {}
    for po_path in po_paths:
        for entry in polib.pofile(str(po_path)):
            if not entry.obsolete and entry.translated():
                text = entry.msgstr or "\x00".join(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
                translations.setdefault((entry.msgctxt, entry.msgid), set()).add(text)
    return {key: texts for key, texts in translations.items() if len(texts) > 1}


def _msgids(po_path):
    """Return the set of ``(msgctxt, msgid)`` of the live entries of ``po_path`` (empty when it does not exist)."""
    if not po_path.exists():
        return set()
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(po_path)) if not entry.obsolete}


def catalogs_stale(root, *, languages):
    """Return what ``makemessages`` would change in the catalogs of ``languages``, found in a copy of ``root``.

    The source tree is copied to a temporary directory and ``MAKEMESSAGES_ARGS`` run there, so the
    catalogs under ``root`` are left as they are.

    Args:
        root: the repository's root, a ``Path``.
        languages: language codes, e.g. ``["es"]``.

    Returns:
        ``{catalog path relative to root: (msgids makemessages would add, msgids it would retire)}``,
        only for catalogs that would change; each msgid is a ``(msgctxt, msgid)`` pair.

    Raises:
        CatalogsNotMade: ``makemessages`` failed (``xgettext`` missing, a template that does not parse);
            its message says why.
    """
    with tempfile.TemporaryDirectory(prefix="catalogs-") as temporary:
        copy = Path(temporary) / "src"
        shutil.copytree(root, copy, ignore=_NOT_SOURCE, symlinks=True)
        locale_flags = [f"--locale={language}" for language in languages]
        made = subprocess.run(  # noqa: S603 (our own interpreter and manage.py, fixed arguments)
            [sys.executable, "manage.py", *MAKEMESSAGES_ARGS, *locale_flags],
            cwd=copy,
            capture_output=True,
            text=True,
        )
        if made.returncode:
            raise CatalogsNotMade(made.stderr.strip() or made.stdout.strip())
        changes = {}
        for new_path in catalog_paths(copy):
            relative = new_path.relative_to(copy)
            new, old = _msgids(new_path), _msgids(root / relative)
            if new != old:
                changes[relative] = (new - old, old - new)
        return changes
