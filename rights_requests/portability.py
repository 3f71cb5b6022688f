"""The portable copy of a learner's data (GDPR Art. 20): a ZIP with one CSV and one JSON file per kind of record.

Built from the personal-data registry like the access report, but for machines:
one ``<records>.csv`` and ``<records>.json`` per declared model (profile,
enrollments, payments, consents …), its columns the model's portable fields in
their declared order, values in their plain form (ISO 8601 dates, codes), the
files a record names (the profile photo), and a ``manifest.json`` and
``README.txt`` that describe every column (meaning, format, unit). The layout —
which files, which columns — comes from ``portable_files()`` alone. PostgreSQL
writes the lines of the kinds it can write exactly as Python does (``portable_sql``:
the large ones, learning activity, quiz results, enrollments …); Python writes the
others (encrypted columns, ``export_as``, files) from rows read in chunks
(``datasets``). Either way a chunk at a time goes straight into the ZIP, which
lives in a temporary file, so memory does not grow with the learner's data.
"""

import datetime
import io
import itertools
import json
import shutil
import struct
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.db import models
from django.utils import dateformat, timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from compliance.registry import registry_text
from learnerportal import spreadsheets

from .datasets import Dataset, dataset_row_count, dataset_rows, is_person, portable_datasets
from .portable_sql import portable_lines, sort_memory
from .progress import Progress

#: Rows the Python writer formats at a time.
BATCH_ROWS = 500
#: Characters of a CSV file copied into the ZIP at a time.
COPY_CHARS = 1024 * 1024
#: zlib level: 1 is several times faster than the default 6 and only a little larger for this data.
COMPRESS_LEVEL = 1
#: Bump when the layout of the files changes, so importers can tell.
FORMAT_VERSION = "4"
#: A field with more choices than this names its format instead of listing every code (a country).
MAX_LISTED_VALUES = 40
#: ZIP "extended timestamp" extra field (Info-ZIP ``UT``, 0x5455): the exact modification time in UTC.
EXTENDED_TIMESTAMP = 0x5455

#: The README's opening; ``made`` is when the copy was made in the reader's time zone, named ("7 December 2026,
#: 11:01 -05"), ``made_on`` the UTC date (YYYY-MM-DD) and ``made_at`` the UTC time (hh:mm:ss) the files are dated.
# Translators: the file names, codes and values quoted here (true, false, null) are those of the files, which
# stay as they are.
INTRODUCTION = _("""Learner Portal — a portable copy of your data (GDPR Art. 20)

Made on %(made)s (%(made_on)s at %(made_at)s UTC); every file in this ZIP is dated so.

One CSV file and one JSON file per kind of record we hold about you:
  <records>.csv   a header line with the column names, then one line per record
  <records>.json  a list with one object per record, with the same names as keys
The CSV and the JSON of a kind hold the same records and values. Kinds of record
we hold nothing of are left out. manifest.json describes every file and column for
programs; the same description, for people, is at the end of this file.

Dates and times are ISO 8601 in UTC; text is UTF-8. An empty CSV cell and null in
the JSON mean "no value"; true and false are written as such in both.

The JSON files hold every value exactly as stored. The CSV files are made to be
opened in a spreadsheet safely: a text cell that starts with =, +, -, @, a tab or
a carriage return (also after spaces, and the full-width ＝ ＋ － ＠) has a single
quote (') put in front, so that the spreadsheet shows it as text instead of running
it as a formula. Text cells are in double quotes; numbers are not.
Of failed attempts to sign in to your account you get the time, the number of
attempts, the page, the network (the IP address without its last part, e.g.
203.0.113.0/24) and the kind of browser: the attempts may have been someone else's.
""")


@dataclass(frozen=True)
class Column:
    """One column of a portable file, described for the data dictionary.

    Attributes:
        name: the column's name, snake_case, e.g. ``"grade_percent"``.
        meaning: what the value is, in the learner's words (the registry's description).
        format: how the value is written, e.g. "date and time, ISO 8601 …".
        unit: what a number counts or measures, e.g. "percent"; "" for none.
        category: the category of personal data (``compliance.registry.Category``).
        values: code → meaning, for a value with a fixed set of codes; empty otherwise.
        field: the model field it comes from.
    """

    name: str
    meaning: str
    format: str
    unit: str
    category: models.TextChoices
    values: dict
    field: models.Field

    def describe(self):
        """Return the column's entry of the manifest's data dictionary (a JSON object)."""
        entry = {
            "name": self.name,
            "meaning": str(self.meaning),
            "format": str(self.format),
            "unit": self.unit or None,
            "category": self.category.value,
        }
        if self.values:
            entry["values"] = self.values
        return entry


@dataclass(frozen=True)
class PortableFile:
    """The CSV and JSON files of one kind of record: a declared model's portable fields.

    Attributes:
        dataset: what is read from the database (``datasets.Dataset``).
        name: the files' name without extension, e.g. ``"enrollments"``.
        title: the records, in the learner's words, e.g. "Your payments".
        columns: the columns, in the registry's declared order.
    """

    dataset: Dataset
    name: str
    title: str
    columns: tuple[Column, ...]

    @property
    def csv_name(self):
        """Return the CSV entry's name, e.g. ``"payments.csv"``."""
        return f"{self.name}.csv"

    @property
    def json_name(self):
        """Return the JSON entry's name, e.g. ``"payments.json"``."""
        return f"{self.name}.json"


def _format(field, personal):
    """Return how a portable copy writes the values of ``field``: the declaration's words, else its type's."""
    if personal.format:
        return gettext(personal.format)
    if is_person(field):
        # Translators: "you" and "staff" are the values written in the files: keep them in English, in quotes.
        return gettext('"you"; "staff" for a member of our staff; empty when no person acted (the system)')
    if isinstance(field, models.FileField):
        return gettext("the name of a file in this ZIP")
    if isinstance(field, models.DateTimeField):
        return gettext("ISO 8601 date and time with its UTC offset, e.g. 2026-03-14T09:26:52.123456+00:00")
    if isinstance(field, models.DateField):
        return gettext("date, ISO 8601 (YYYY-MM-DD)")
    if isinstance(field, models.TimeField):
        return gettext("time of day, ISO 8601 (hh:mm:ss)")
    if isinstance(field, models.BooleanField):
        return gettext("true or false")
    if isinstance(field, models.DecimalField):
        return gettext("decimal number, %(places)s decimal places (text in the JSON, to keep it exact)") % {
            "places": field.decimal_places
        }
    if isinstance(field, models.IntegerField):
        return gettext("integer")
    if isinstance(field, models.FloatField):
        return gettext("number")
    if isinstance(field, models.JSONField):
        return gettext("JSON (in the CSV, its JSON text)")
    if isinstance(field, models.ForeignKey):
        return gettext("the %(model)s's name (text)") % {"model": field.related_model._meta.verbose_name}
    if isinstance(field, models.DurationField):
        return gettext("duration, as [days] hh:mm:ss")
    if isinstance(field, models.UUIDField):
        return "UUID"
    if field.choices:
        return gettext("code, one of the values listed")
    return gettext("text")


def _values(field):
    """Return code → meaning for a field with a short fixed list of codes, else an empty dict."""
    choices = field.flatchoices if field.choices else []
    if not choices or len(choices) > MAX_LISTED_VALUES or isinstance(field, models.BooleanField):
        return {}
    return {str(code): str(label) for code, label in choices}


def portable_files():
    """Return the files of a portable copy, one per kind of record, generated from the registry.

    Returns:
        list of ``PortableFile`` in registration order; a model without any
        exportable, portable field has none.
    """
    files = []
    for dataset in portable_datasets():
        declaration = dataset.declaration
        columns = tuple(
            Column(
                name=declaration.column_name(field.name),
                meaning=registry_text(declaration.fields[field.name].description),
                format=_format(field, declaration.fields[field.name]),
                unit=gettext(declaration.fields[field.name].unit) if declaration.fields[field.name].unit else "",
                category=declaration.fields[field.name].category,
                values=_values(field),
                field=field,
            )
            for field in dataset.fields
        )
        files.append(
            PortableFile(
                dataset=dataset,
                name=declaration.records_name,
                title=registry_text(declaration.description),
                columns=columns,
            )
        )
    return files


def _entry(name, made_at):
    """Return the ``ZipInfo`` of a new entry dated ``made_at`` (an aware datetime), deflated, readable by all.

    The ZIP's own date is local time without a zone and to 2 seconds: it holds the
    time in UTC, and the extended-timestamp field the exact instant, which unzip
    tools show in the reader's time zone (APPNOTE 4.4.6, Info-ZIP extra field 0x5455).
    """
    utc = made_at.astimezone(datetime.UTC)
    info = zipfile.ZipInfo(name, date_time=utc.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = COMPRESS_LEVEL  # the level ZipFile.open() would use; public only from Python 3.13
    info.external_attr = 0o644 << 16  # rw-r--r--
    info.extra = struct.pack("<HHBL", EXTENDED_TIMESTAMP, 5, 1, int(utc.timestamp()))
    return info


class _Attachments:
    """The stored files that records name (a profile photo), collected to be copied once the rows are written."""

    def __init__(self):
        self.entries = []
        self._numbers = {}

    def converter(self, portable_file, column):
        """Return a function turning a stored file's name into the name of its entry in the ZIP."""

        def entry_name(stored):
            if not stored:
                return None
            key = (portable_file.name, column.name)
            self._numbers[key] = number = self._numbers.get(key, 0) + 1
            suffix = PurePosixPath(stored).suffix.lower()
            name = f"{portable_file.name}_{column.name}{'' if number == 1 else f'_{number}'}{suffix}"
            self.entries.append((name, portable_file.name, column, stored))
            return name

        return entry_name

    def write(self, archive, made_at):
        """Copy every collected file into ``archive``; return their manifest entries."""
        written = []
        for name, records, column, stored in self.entries:
            with column.field.storage.open(stored, "rb") as source, archive.open(_entry(name, made_at), "w") as out:
                shutil.copyfileobj(source, out)
            written.append({"file": name, "records": records, "column": column.name})
        return written


def _converter(column, subject):
    """Return a function turning one value of ``column``, as ``dataset_rows`` yields it, into its JSON form."""
    field = column.field
    if is_person(field):
        # SECURITY: never name another person (e.g. the staff member who acted).
        return lambda value: None if value is None else ("you" if value == subject.pk else "staff")
    if isinstance(field, models.DateTimeField | models.DateField | models.TimeField):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(field, models.DecimalField | models.UUIDField | models.DurationField):
        return lambda value: None if value is None else str(value)
    return lambda value: value


def _python_lines(portable_file, subject, attachments):
    """Yield the subject's records of ``portable_file`` as chunks of ``(csv_lines, json_lines)``, written by Python.

    For the kinds PostgreSQL cannot write (``portable_sql.column_of``): encrypted
    columns, ``export_as``, stored files. A CSV chunk is text with its line ends; a
    JSON line is one object.
    """
    names = [column.name for column in portable_file.columns]
    converters = [
        attachments.converter(portable_file, column)
        if isinstance(column.field, models.FileField)
        else _converter(column, subject)
        for column in portable_file.columns
    ]
    # A decimal is text in the JSON (exact) and a number in the CSV (a spreadsheet adds it up).
    decimals = [isinstance(column.field, models.DecimalField) for column in portable_file.columns]
    for chunk in itertools.batched(dataset_rows(portable_file.dataset, subject), BATCH_ROWS):
        csv_out = io.StringIO(newline="")
        writer = spreadsheets.writer(csv_out)  # SECURITY: no cell opens as a live formula
        json_lines = []
        for row in chunk:
            values = [convert(value) for convert, value in zip(converters, row, strict=True)]
            json_lines.append(json.dumps(dict(zip(names, values, strict=True)), ensure_ascii=False))
            writer.writerow(
                stored if decimal and stored is not None else _plain(value)
                for value, stored, decimal in zip(values, row, decimals, strict=True)
            )
        yield csv_out.getvalue(), json_lines


def _database_lines(lines):
    """Yield the chunks of ``portable_sql.portable_lines`` as ``(csv_lines, json_lines)``, as ``_python_lines`` does."""
    for chunk in lines:
        csv_lines, json_lines = zip(*chunk, strict=True)
        yield "\r\n".join(csv_lines) + "\r\n", json_lines


def _write_file(archive, portable_file, subject, made_at, attachments, progress, known_names):
    """Write ``<records>.json`` and ``<records>.csv``; return the number of rows written.

    PostgreSQL writes the lines of the kinds it can (``portable_sql``), Python the rest;
    ``known_names`` keeps the names of catalogue rows for the next kinds.
    """
    lines = portable_lines(portable_file.dataset, subject, known_names=known_names)
    chunks = _python_lines(portable_file, subject, attachments) if lines is None else _database_lines(lines)
    written = 0
    # A ZIP takes one open entry at a time: the CSV waits in a temporary file meanwhile.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="") as csv_out:
        spreadsheets.writer(csv_out).writerow(column.name for column in portable_file.columns)
        with archive.open(_entry(portable_file.json_name, made_at), "w") as json_out:
            json_out.write(b"[")
            for csv_lines, json_lines in chunks:
                csv_out.write(csv_lines)
                json_out.write((("," if written else "") + "\n" + ",\n".join(json_lines)).encode("utf-8"))
                written += len(json_lines)
                progress.advance(len(json_lines))
            json_out.write(b"\n]\n" if written else b"]\n")
        csv_out.seek(0)
        with archive.open(_entry(portable_file.csv_name, made_at), "w") as csv_entry:
            while chunk := csv_out.read(COPY_CHARS):
                csv_entry.write(chunk.encode("utf-8"))
    return written


def _plain(value):
    """Return the CSV cell of a value in its JSON form: text and numbers as they are, the rest as JSON text."""
    if isinstance(value, dict | list | bool):
        return json.dumps(value, ensure_ascii=False)
    return value


def _readme(manifest):
    """Return README.txt: how the files are made, then every file's columns in words (the data dictionary).

    In the active language; when the copy was made is said in the active time zone too (the learner's).
    """
    made_at = datetime.datetime.fromisoformat(manifest["generated_at"]).astimezone(datetime.UTC)
    introduction = INTRODUCTION % {
        "made": dateformat.format(timezone.localtime(made_at), gettext("j F Y, H:i T")),
        "made_on": f"{made_at:%Y-%m-%d}",
        "made_at": f"{made_at:%H:%M:%S}",
    }
    lines = [introduction, gettext("What each file holds"), ""]
    for entry in manifest["files"]:
        rows = ngettext("%(count)s record", "%(count)s records", entry["rows"]) % {"count": entry["rows"]}
        lines.append(
            gettext("%(csv)s and %(json)s: %(title)s (%(rows)s)")
            % {"csv": entry["csv"], "json": entry["json"], "title": entry["title"], "rows": rows}
        )
        for column in entry["columns"]:
            words = [f"{column['meaning']}.", gettext("Format: %(format)s.") % {"format": column["format"]}]
            if column["unit"]:
                words.append(gettext("Unit: %(unit)s.") % {"unit": column["unit"]})
            if column.get("values"):
                values = "; ".join(f"{code} = {label}" for code, label in column["values"].items())
                words.append(gettext("Values: %(values)s") % {"values": values})
            lines.append(
                textwrap.fill(
                    " ".join(words),
                    width=88,
                    initial_indent=f"  {column['name']}: ",
                    subsequent_indent="      ",
                    break_long_words=False,
                    break_on_hyphens=False,  # a date, a code or a file name stays whole
                )
            )
        lines.append("")
    if manifest["attachments"]:
        lines.append(gettext("Files your records name"))
        lines.append("")
        lines.extend(
            "  "
            + gettext("%(file)s: named in %(records)s.csv, column %(column)s")
            % {"file": entry["file"], "records": entry["records"], "column": entry["column"]}
            for entry in manifest["attachments"]
        )
        lines.append("")
    return "\n".join(lines)


def portable_export_write(subject, archive, *, progress=None):
    """Write the subject's portable copy into the open ``zipfile.ZipFile`` ``archive`` (GDPR Art. 20).

    One CSV and one JSON file per kind of record the subject has (``portable_files()``),
    the files those records name, ``manifest.json`` with a data dictionary of every
    column and ``README.txt`` saying the same in words; every entry is dated the
    time the copy was made. Only fields declared ``exportable`` and ``portable``
    are written (never password hashes or authenticator secrets). Memory is
    bounded by ``datasets.CHUNK_SIZE`` rows, whatever the size of the learner's data.

    Args:
        subject: the data subject (a user).
        archive: a ``zipfile.ZipFile`` open for writing.
        progress: an optional ``Progress``; its total is set to the number of
            rows, and it advances as rows are written.

    Returns:
        dict: the manifest that was written (``format_version``, ``generated_at``,
        ``files`` with each file's names, title, rows and ``columns``, and
        ``attachments``).
    """
    progress = progress or Progress()
    made_at = timezone.now()
    counted = [(portable_file, dataset_row_count(portable_file.dataset, subject)) for portable_file in portable_files()]
    progress.start(sum(rows for _, rows in counted))
    manifest = {"format_version": FORMAT_VERSION, "generated_at": made_at.isoformat(), "files": []}
    attachments, known_names = _Attachments(), {}
    with sort_memory():
        written = [
            (portable_file, _write_file(archive, portable_file, subject, made_at, attachments, progress, known_names))
            for portable_file, rows in counted
            if rows
        ]
    for portable_file, rows in written:
        manifest["files"].append(
            {
                "records": portable_file.name,
                "title": str(portable_file.title),
                "csv": portable_file.csv_name,
                "json": portable_file.json_name,
                "rows": rows,
                "columns": [column.describe() for column in portable_file.columns],
            }
        )
    manifest["attachments"] = attachments.write(archive, made_at)
    archive.writestr(_entry("manifest.json", made_at), json.dumps(manifest, ensure_ascii=False, indent=2))
    archive.writestr(_entry("README.txt", made_at), _readme(manifest))
    progress.finish()
    return manifest


def portable_export_file(subject, *, progress=None):
    """Build the subject's portable copy into a temporary file and return it, positioned at the start.

    The caller closes the file (which deletes it). Args as ``portable_export_write``.

    Returns:
        a binary temporary file holding the ZIP.
    """
    output = tempfile.TemporaryFile()  # noqa: SIM115 (returned open: the caller closes it)
    try:
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
            portable_export_write(subject, archive, progress=progress)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output
