"""The access report (GDPR Art. 15): all the learner's data, by category, from the personal-data registry."""

import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from privacy.registry import Category, registry
from privacy.selectors import privacy_notice

from . import conf

#: Rows fetched from the database at a time, so memory does not grow with the learner's data.
CHUNK_SIZE = 500


@dataclass
class ReportTable:
    """One declared model's data of one category: column headings and rows of cell texts.

    ``rows`` is a generator over the database, consumed once by the template.
    """

    description: str
    headings: list
    rows: object
    notice: dict


def _cell(row, field, subject):
    value = getattr(row, field.attname)
    if value is None or value == "":
        return ""
    if isinstance(field, models.ForeignKey):
        if field.related_model is get_user_model():
            # SECURITY: never name another person (e.g. the staff member who acted).
            return "You" if value == subject.pk else "Our staff"
        return str(getattr(row, field.name))
    if isinstance(field, models.FileField):
        return "Yes (stored)"
    if field.choices:
        return str(getattr(row, f"get_{field.name}_display")())
    if isinstance(field, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(field, models.DateTimeField):
        return dateformat.format(timezone.localtime(value), "j F Y, H:i T")
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value not in ({}, []) else ""
    return str(value)


def _rows(declaration, fields, subject):
    related = [f.name for f in fields if isinstance(f, models.ForeignKey) and f.related_model is not get_user_model()]
    queryset = declaration.queryset_for(subject).order_by("pk")
    if related:
        queryset = queryset.select_related(*related)
    for row in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [_cell(row, field, subject) for field in fields]


def access_report_tables(subject):
    """Return the learner's data grouped by category, only fields declared exportable.

    Returns:
        list of ``(category label, [ReportTable, ...])`` in ``Category`` order,
        categories without any declared field left out.
    """
    notices = dict(zip((d.label for d in registry), privacy_notice(), strict=True))
    sections = []
    for category in Category:
        tables = []
        for declaration in registry:
            names = [
                name
                for name, personal in declaration.fields.items()
                if personal.category == category and personal.exportable  # SECURITY: no hashes or secrets
            ]
            if not names:
                continue
            fields = [declaration.model._meta.get_field(name) for name in names]
            tables.append(
                ReportTable(
                    description=declaration.description,
                    headings=[declaration.fields[name].description for name in names],
                    rows=_rows(declaration, fields, subject),
                    notice=notices[declaration.label],
                )
            )
        if tables:
            sections.append((category.label, tables))
    return sections


def access_report_html(subject, *, now=None):
    """Render the access report of ``subject`` as a standalone HTML page.

    Covers GDPR Art. 15(1)(a)–(h): purposes and lawful bases, categories, recipients,
    retention, the rights to rectification, erasure, restriction and objection, the
    right to complain, sources, and automated decision-making; and Art. 15(3), a copy
    of the data. Fields declared ``exportable=False`` (password hash, authenticator
    key, backup-code digests, session keys) are never included.

    Returns:
        str: the HTML document.
    """
    return render_to_string(
        "rights_requests/access_report.html",
        {
            "subject": subject,
            "generated_at": now or timezone.now(),
            "sections": access_report_tables(subject),
            "supervisory_authority": conf.SUPERVISORY_AUTHORITY,
        },
    )
