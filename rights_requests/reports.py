"""The access report (GDPR Art. 15): all the learner's data, by category, from the personal-data registry.

The report is one HTML page written piece by piece into a temporary file: a
summary counted beforehand (one ``COUNT`` per kind of record), then the frame and
each table's heading and notes from templates, the rows written newest first as
they are read from the database (``datasets``), so memory does not grow with the
learner's data. What each field is for, who receives it and how long it is kept
are the privacy notice's own words (``compliance.notice.field_statement``).
"""

import html
import io
import json
import tempfile

from django.db import models
from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.translation import gettext

from accounts.languages import in_language_and_time_zone_of
from accounts.selectors import learner_regime
from compliance.notice import field_statement, kept_after_erasure
from compliance.registry import registry_text
from privacy import conf as privacy_conf

from .datasets import dataset_row_count, dataset_rows, datasets_by_category, is_person
from .progress import Progress
from .regime_rights import regime_described
from .request_types import handler_for

#: Rows written to the file at a time.
BATCH_ROWS = 500


def _cell_text(field, subject):
    """Return a function turning one stored value of ``field`` into the words the learner reads."""
    if is_person(field):
        # SECURITY: never name another person (e.g. the staff member who acted).
        you, staff = gettext("You"), gettext("Our staff")
        return lambda value: you if value == subject.pk else staff
    if isinstance(field, models.FileField):
        stored = gettext("Yes (stored)")
        return lambda value: stored
    if field.choices:
        labels = {key: str(label) for key, label in field.flatchoices}
        return lambda value: labels.get(value, str(value))
    if isinstance(field, models.BooleanField):
        yes, no = gettext("Yes"), gettext("No")
        return lambda value: yes if value else no
    if isinstance(field, models.DateTimeField):
        return _datetime_text()
    if isinstance(field, models.DateField):
        months = _month_names()
        return lambda value: f"{value.day} {months[value.month - 1]} {value.year}"
    if isinstance(field, models.JSONField):
        return _structured_text
    return str


def _structured_text(value):
    """Write stored structured data (a request's details, an event's changes) as words, not JSON.

    ``{"changes": {"full_name": "Noor"}, "note": ""}`` becomes ``changes: full name: Noor``;
    empty values are left out.
    """
    if isinstance(value, dict):
        parts = (
            f"{key.replace('_', ' ')}: {_structured_text(item)}"
            for key, item in value.items()
            if item not in ("", None, [], {})
        )
        return "; ".join(parts)
    if isinstance(value, list):
        return ", ".join(_structured_text(item) for item in value)
    if isinstance(value, str):
        return value  # the learner's own words, exactly
    return json.dumps(value, ensure_ascii=False)


def _month_names():
    return [str(name) for _, name in sorted(MONTHS.items())]


def _datetime_text():
    """Return a function writing an aware datetime as "30 November 2026, 14:05 CET" in the current time zone.

    The same words as the template filter ``date:_("j F Y, H:i T")``, at a fraction of
    its cost in English (a report may hold 100,000 times); other languages' shapes are Django's to write.
    """
    zone = timezone.get_current_timezone()
    shape = gettext("j F Y, H:i T")
    if shape != "j F Y, H:i T":  # another language's order and words ("7 de diciembre de 2026"): Django writes it
        return lambda value: dateformat.format(value.astimezone(zone), shape)
    months = _month_names()

    def as_text(value):
        local = value.astimezone(zone)
        return f"{local.day} {months[local.month - 1]} {local.year}, {local:%H:%M} {local.tzname()}"

    return as_text


def _cell_html(field, subject):
    text = _cell_text(field, subject)
    # No person recorded means the portal acted by itself (accounts are anonymised, never deleted).
    empty = format_html("<td>{}</td>", gettext("Automatically")) if is_person(field) else "<td></td>"

    def cell(value):
        if value is None or value == "":
            return empty
        words = html.escape(text(value))
        if "\r" in words:
            words = words.replace("\r\n", "\n").replace("\r", "\n")
        return "<td>" + words.replace("\n", "<br>") + "</td>"

    return cell


def _worded_cell(value):
    return "<td>" + html.escape(value) + "</td>" if value else "<td></td>"


def _write_rows(out, dataset, subject, progress):
    cells = [_cell_html(field, subject) for field in dataset.fields]
    declared = dataset.declaration.fields
    # Fields shown in the portal's words are made from the whole row (e.g. an audit event's sentence).
    worded = [(index, declared[field.name].in_words) for index, field in enumerate(dataset.fields)]
    worded = [(index, in_words) for index, in_words in worded if in_words is not None]
    for index, _ in worded:
        cells[index] = _worded_cell
    attnames = [field.attname for field in dataset.fields]
    model = dataset.declaration.model
    written, batch = 0, []
    for row in dataset_rows(dataset, subject, newest_first=True):
        if worded:
            instance = model(**dict(zip(attnames, row, strict=True)))
            row = list(row)
            for index, in_words in worded:
                row[index] = in_words(instance)
        batch.append("<tr>" + "".join(cell(value) for cell, value in zip(cells, row, strict=True)) + "</tr>\n")
        if len(batch) == BATCH_ROWS:
            out.write("".join(batch))
            written += len(batch)
            progress.advance(len(batch))
            batch = []
    out.write("".join(batch))
    written += len(batch)
    progress.advance(len(batch))
    if not written:
        out.write(
            format_html(
                '<tr><td colspan="{}">{}</td></tr>\n',
                len(cells),
                gettext("We hold nothing of this kind about you."),
            )
        )


def _anchor(category, declaration=None):
    """Return the id of a category's section, or of one kind of record's table in it."""
    if declaration is None:
        return category.value
    return f"{category.value}-{declaration.label.replace('.', '-')}"


def _statements(dataset):
    """Return the notice's statements for the fields of ``dataset``, fields that share one grouped together.

    Returns:
        list of dicts: ``fields`` (their descriptions, within a sentence), ``processing`` and ``recipients`` (as
        ``field_statement``); one entry when every field of the table shares them.
    """
    groups = {}
    for name in dataset.names:
        statement = field_statement(dataset.declaration, name)
        key = (tuple(statement["processing"]), tuple(statement["recipients"]))
        group = groups.setdefault(key, {**statement, "fields": []})
        description = statement["description"]
        group["fields"].append(description[:1].lower() + description[1:])
    return list(groups.values())


def _summary(sections, counts):
    """Return the report's summary: per category, its records, the kinds of data they hold, and its tables' anchors."""
    return [
        {
            "category": category,
            "anchor": _anchor(category),
            "records": sum(counts[dataset.declaration.label] for dataset in datasets),
            "kinds": sum(len(dataset.fields) for dataset in datasets if counts[dataset.declaration.label]),
            "tables": [
                {
                    "anchor": _anchor(category, dataset.declaration),
                    "description": registry_text(dataset.declaration.description),
                    "records": counts[dataset.declaration.label],
                }
                for dataset in datasets
            ],
        }
        for category, datasets in sections
    ]


def access_report_write(subject, out, *, progress=None, now=None):
    """Write the access report of ``subject`` as one standalone HTML page into the text file ``out``.

    Covers GDPR Art. 15(1)(a)–(h): purposes and lawful bases, categories, recipients,
    retention, the learner's rights under the regime that applies to them now (its legal
    names, citations, deadline and complaint authority), sources, and automated
    decision-making; and Art. 15(3), a copy of the data. It opens with a summary (records
    and kinds of data per category, what erasure would keep) and its contents; every list
    is newest first; each field's purposes, lawful bases and recipients are the privacy
    notice's (``field_statement``). Fields declared ``exportable=False`` (password hash,
    authenticator key, backup-code digests, session keys) are never included.
    Memory is bounded by ``datasets.CHUNK_SIZE`` rows, whatever the size of the
    learner's data.

    Args:
        subject: the data subject (a user).
        out: a text file open for writing.
        progress: an optional ``Progress``; its total is set to the number of
            rows, and it advances as rows are written.
        now: the time the report says it was prepared (default: now).

    Written in the learner's language and time zone, the zone named (``accounts.languages``),
    whoever prepares it.
    """
    with in_language_and_time_zone_of(subject):
        _access_report_write(subject, out, progress=progress or Progress(), now=now)


def _rights(subject):
    """Return the regime that applies to ``subject`` now as the report's "Your rights" tells it.

    Its rights with their legal names and citations, its deadline and extension, and where to
    complain (GDPR Art. 15(1)(e)–(f); Cal. Civ. Code §1798.130(a)(5); LGPD Art. 18, 19):
    ``regime_rights.regime_described``, plus ``access_citation``, the source of this report.
    """
    applies = learner_regime(subject)
    access = applies.right("access")
    citation = access.citation if access is not None else handler_for("access").article
    return regime_described(applies) | {"access_citation": str(citation)}


def _access_report_write(subject, out, *, progress, now):
    sections = datasets_by_category()
    counts = {}  # rows per kind of record, counted once though it may appear under several categories
    for _, datasets in sections:
        for dataset in datasets:
            if dataset.declaration.label not in counts:
                counts[dataset.declaration.label] = dataset_row_count(dataset, subject)
    progress.start(sum(counts[d.declaration.label] for _, datasets in sections for d in datasets))
    out.write(
        render_to_string(
            "rights_requests/access_report/start.html",
            {
                "subject": subject,
                "generated_at": now or timezone.now(),
                "summary": _summary(sections, counts),
                "kept": kept_after_erasure({label: ["", count] for label, count in counts.items()}),
                "regime": _rights(subject),
                "automated_decisions": privacy_conf.AUTOMATED_DECISIONS_STATEMENT,
                "controller": privacy_conf.CONTROLLER,
                "dpo_contact": privacy_conf.DPO_CONTACT,
            },
        )
    )
    for category, datasets in sections:
        out.write(format_html('\n<h2 id="{}">{}</h2>\n', _anchor(category), category.label))
        for dataset in datasets:
            headings = [registry_text(dataset.declaration.fields[name].description) for name in dataset.names]
            out.write(
                render_to_string(
                    "rights_requests/access_report/table_start.html",
                    {
                        "dataset": dataset,
                        "title": registry_text(dataset.declaration.description),
                        "headings": headings,
                        "category": category,
                        "anchor": _anchor(category, dataset.declaration),
                        "records": counts[dataset.declaration.label],
                    },
                )
            )
            _write_rows(out, dataset, subject, progress)
            statements = _statements(dataset)
            out.write(
                render_to_string(
                    "rights_requests/access_report/table_end.html",
                    {"statements": statements, "record": statements[0]},
                )
            )
    out.write("</main>\n</body>\n</html>\n")
    progress.finish()


def access_report_file(subject, *, progress=None, now=None):
    """Write the access report of ``subject`` into a temporary file and return it, positioned at the start.

    The caller closes the file (which deletes it). Args as ``access_report_write``.

    Returns:
        a binary temporary file holding the UTF-8 HTML page.
    """
    output = tempfile.TemporaryFile()  # noqa: SIM115 (returned open: the caller closes it)
    try:
        text = io.TextIOWrapper(output, encoding="utf-8", newline="")
        access_report_write(subject, text, progress=progress, now=now)
        text.flush()
        text.detach()  # leaves ``output`` open
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output
