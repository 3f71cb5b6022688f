"""The portable copy of a learner's data (GDPR Art. 20): a ZIP of JSON and CSV per category.

Built from the personal-data registry like the access report, but for machines:
values in their plain form (ISO dates, codes), one JSON and one CSV file per
category, the profile photo, a ``manifest.json`` and a short README. Rows are
read in chunks and written straight into the ZIP, which lives in a temporary
file, so memory does not grow with the learner's data.
"""

import csv
import json
import tempfile
import zipfile

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from privacy.registry import Category, registry

#: Bump when the layout of the files changes, so importers can tell.
FORMAT_VERSION = "1"
CHUNK_SIZE = 1000
README = """Learner Portal — a portable copy of your data (GDPR Art. 20)

One JSON file and one CSV file per category of data:
  <category>.json  {"<record>": [{"<field>": value, ...}, ...], ...}
  <category>.csv   one line per value: record, row, field, value
manifest.json lists the files and how many rows each holds.
photo.jpg is your profile photo, if you had one.
Dates and times are ISO 8601 in UTC; text is UTF-8.
Values are written exactly as stored: a spreadsheet may read text that starts
with =, +, - or @ as a formula, so open the CSV files as text if in doubt.
"""


def _value(row, field, subject):
    value = getattr(row, field.attname)
    if isinstance(field, models.ForeignKey):
        if value is None:
            return None
        if field.related_model is get_user_model():
            # SECURITY: never name another person (e.g. the staff member who acted).
            return "you" if value == subject.pk else "staff"
        return str(getattr(row, field.name))
    if isinstance(field, models.FileField):
        return bool(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, int | float | bool | dict | list) or value is None:
        return value
    return str(value)


def _declared_rows(declaration, names, subject):
    fields = [declaration.model._meta.get_field(name) for name in names]
    queryset = declaration.queryset_for(subject).order_by("pk")
    related = [f.name for f in fields if isinstance(f, models.ForeignKey) and f.related_model is not get_user_model()]
    if related:
        queryset = queryset.select_related(*related)  # one query per chunk, not one per row
    for row in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield {field.name: _value(row, field, subject) for field in fields}


def portable_export_write(subject, archive):
    """Write the subject's portable copy into the open ``zipfile.ZipFile`` ``archive``.

    Only fields declared ``exportable`` are written (never password hashes or
    authenticator secrets). Returns the manifest dict that was written.
    """
    manifest = {"format_version": FORMAT_VERSION, "generated_at": timezone.now().isoformat(), "categories": []}
    for category in Category:
        parts = [
            (declaration, [n for n, f in declaration.fields.items() if f.category == category and f.exportable])
            for declaration in registry
        ]
        parts = [(declaration, names) for declaration, names in parts if names]
        if not parts:
            continue
        rows_written = 0
        # A ZIP takes one open entry at a time: the CSV waits in a temporary file meanwhile.
        with (
            tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024, mode="w+", encoding="utf-8", newline="") as csv_out,
            archive.open(f"{category.value}.json", "w") as json_out,
        ):
            writer = csv.writer(csv_out)
            writer.writerow(["record", "row", "field", "value"])
            json_out.write(b"{")
            for index, (declaration, names) in enumerate(parts):
                json_out.write((b", " if index else b"") + json.dumps(declaration.description).encode() + b": [")
                for number, row in enumerate(_declared_rows(declaration, names, subject)):
                    json_out.write((b", " if number else b"") + json.dumps(row, ensure_ascii=False).encode())
                    for name, value in row.items():
                        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                        writer.writerow([declaration.description, number + 1, name, text])
                    rows_written += 1
                json_out.write(b"]")
            json_out.write(b"}")
            json_out.close()
            csv_out.seek(0)
            with archive.open(f"{category.value}.csv", "w") as csv_entry:
                while chunk := csv_out.read(64 * 1024):
                    csv_entry.write(chunk.encode("utf-8"))
        manifest["categories"].append(
            {
                "category": category.value,
                "label": category.label,
                "files": [f"{category.value}.json", f"{category.value}.csv"],
                "rows": rows_written,
            }
        )
    profile = getattr(subject, "profile", None)
    if profile is not None and profile.photo:
        with profile.photo.open("rb") as photo:
            archive.writestr("photo.jpg", photo.read())
        manifest["photo"] = "photo.jpg"
    archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    archive.writestr("README.txt", README)
    return manifest


def portable_export_zip(subject):
    """Return the subject's portable copy as ZIP bytes (compressed; built in a temporary file)."""
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as buffer:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            portable_export_write(subject, archive)
        buffer.seek(0)
        return buffer.read()
