"""The portable copy of a learner's data (GDPR Art. 20): a ZIP of JSON and CSV per category.

Built from the personal-data registry like the access report, but for machines:
values in their plain form (ISO dates, codes), one JSON and one CSV file per
category, the profile photo, a ``manifest.json`` and a short README. Rows are
read in chunks (``datasets``) and written straight into the ZIP, which lives in a
temporary file, so memory does not grow with the learner's data.
"""

import json
import shutil
import tempfile
import zipfile

from django.db import models
from django.utils import timezone

from learnerportal import spreadsheets

from .datasets import dataset_row_count, dataset_rows, datasets_by_category, is_person
from .progress import Progress

#: Rows written to a JSON entry at a time.
BATCH_ROWS = 500
#: zlib level: 1 is several times faster than the default 6 and only a little larger for this data.
COMPRESS_LEVEL = 1
#: Bump when the layout of the files changes, so importers can tell.
FORMAT_VERSION = "3"
README = """Learner Portal — a portable copy of your data (GDPR Art. 20)

One JSON file and one CSV file per category of data:
  <category>.json  {"<record>": [{"<field>": value, ...}, ...], ...}
  <category>.csv   one line per row: the record it belongs to, then one column per
                   field (a field the record does not have is left empty)
manifest.json lists the files and how many rows each holds.
photo.jpg is your profile photo, if you had one.
Dates and times are ISO 8601 in UTC; text is UTF-8. In the CSV files an empty cell
means "no value"; the JSON files keep the exact types (null, true/false, numbers).

The JSON files hold every value exactly as stored. The CSV files are made to be
opened in a spreadsheet safely: a text cell that starts with =, +, -, @, a tab or
a carriage return (also after spaces, and the full-width ＝ ＋ － ＠) has a single
quote (') put in front, so that the spreadsheet shows it as text instead of running
it as a formula. Text cells are in double quotes; numbers are not.
Of failed attempts to sign in to your account you get the time, the number of
attempts, the page, the network (the IP address with its last part replaced by x)
and the kind of browser: the attempts may have been someone else's.
"""


def _converter(field, subject):
    """Return a function turning one stored value of ``field`` into its JSON form."""
    if is_person(field):
        # SECURITY: never name another person (e.g. the staff member who acted).
        return lambda value: None if value is None else ("you" if value == subject.pk else "staff")
    if isinstance(field, models.FileField):
        return bool
    if isinstance(field, models.DateTimeField | models.DateField | models.TimeField):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(field, models.ForeignKey | models.DecimalField | models.UUIDField | models.DurationField):
        return lambda value: None if value is None else str(value)
    return lambda value: value


def _csv_value(value):
    """Return the CSV cell of a value in its JSON form: text and numbers as they are, the rest as JSON text."""
    if isinstance(value, dict | list | bool):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_dataset(dataset, subject, columns, json_out, writer, progress):
    """Write one dataset's rows as a JSON array and as CSV lines; return the number of rows."""
    record = dataset.declaration.description
    names = dataset.names
    converters = [_converter(field, subject) for field in dataset.fields]
    # A decimal is text in the JSON (exact) and a number in the CSV (a spreadsheet adds it up).
    decimals = [isinstance(field, models.DecimalField) for field in dataset.fields]
    positions = [columns.index(name) for name in names]
    written, batch = 0, []
    json_out.write(b"[")
    for row in dataset_rows(dataset, subject):
        values = [convert(value) for convert, value in zip(converters, row, strict=True)]
        batch.append(json.dumps(dict(zip(names, values, strict=True)), ensure_ascii=False))
        line = [""] * len(columns)
        for position, value, stored, decimal in zip(positions, values, row, decimals, strict=True):
            line[position] = stored if decimal else _csv_value(value)
        writer.writerow([record, *line])
        if len(batch) == BATCH_ROWS:
            json_out.write(((", " if written else "") + ", ".join(batch)).encode("utf-8"))
            written += len(batch)
            progress.advance(len(batch))
            batch = []
    if batch:
        json_out.write(((", " if written else "") + ", ".join(batch)).encode("utf-8"))
        written += len(batch)
        progress.advance(len(batch))
    json_out.write(b"]")
    return written


def _write_category(archive, category, datasets, subject, progress):
    """Write ``<category>.json`` and ``<category>.csv``; return the number of rows written."""
    columns = list(dict.fromkeys(name for dataset in datasets for name in dataset.names))
    rows = 0
    # A ZIP takes one open entry at a time: the CSV waits in a temporary file meanwhile.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="") as csv_out:
        writer = spreadsheets.writer(csv_out)  # SECURITY: no cell opens as a live formula
        writer.writerow(["record", *columns])
        with archive.open(f"{category.value}.json", "w") as json_out:
            json_out.write(b"{")
            for index, dataset in enumerate(datasets):
                json_out.write((b", " if index else b"") + json.dumps(dataset.declaration.description).encode() + b": ")
                rows += _write_dataset(dataset, subject, columns, json_out, writer, progress)
            json_out.write(b"}")
        csv_out.seek(0)
        with archive.open(f"{category.value}.csv", "w") as csv_entry:
            while chunk := csv_out.read(256 * 1024):
                csv_entry.write(chunk.encode("utf-8"))
    return rows


def portable_export_write(subject, archive, *, progress=None):
    """Write the subject's portable copy into the open ``zipfile.ZipFile`` ``archive``.

    Only fields declared ``exportable`` are written (never password hashes or
    authenticator secrets). Memory is bounded by ``datasets.CHUNK_SIZE`` rows,
    whatever the size of the learner's data.

    Args:
        subject: the data subject (a user).
        archive: a ``zipfile.ZipFile`` open for writing.
        progress: an optional ``Progress``; its total is set to the number of
            rows, and it advances as rows are written.

    Returns:
        dict: the manifest that was written (``format_version``, ``generated_at``,
        ``categories`` with files and row counts, ``photo`` when there is one).
    """
    progress = progress or Progress()
    sections = datasets_by_category()
    progress.start(sum(dataset_row_count(d, subject) for _, datasets in sections for d in datasets))
    manifest = {"format_version": FORMAT_VERSION, "generated_at": timezone.now().isoformat(), "categories": []}
    for category, datasets in sections:
        rows = _write_category(archive, category, datasets, subject, progress)
        manifest["categories"].append(
            {
                "category": category.value,
                "label": category.label,
                "files": [f"{category.value}.json", f"{category.value}.csv"],
                "rows": rows,
            }
        )
    profile = getattr(subject, "profile", None)
    if profile is not None and profile.photo:
        with profile.photo.open("rb") as photo, archive.open("photo.jpg", "w") as entry:
            shutil.copyfileobj(photo, entry)
        manifest["photo"] = "photo.jpg"
    archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    archive.writestr("README.txt", README)
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
