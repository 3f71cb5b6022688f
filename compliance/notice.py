"""The privacy notice and the record of processing activities, both generated from the personal-data registry.

GDPR Art. 13/14 (the notice) and Art. 30(1) (the record) say the same things to
two readers; both are built from ``registry`` here, so they cannot disagree.
"""

from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from learnerportal.spreadsheets import write_csv

from .erasure import identifier_kind_in_words
from .registry import Category, Delete, LawfulBasis, Purpose, in_staff_words, registry, registry_text

RECORD_COLUMNS = (
    "record",
    "categories_of_personal_data",
    "purposes_and_lawful_bases",
    "recipients",
    "retention",
    "source",
    "erasure",
)


def field_statement(declaration, name):
    """Return what the portal says of one declared field: why, on which basis, who receives it, how long.

    The one rule for a field's purposes and recipients, which the privacy notice and
    the access report both say: those the field is declared with
    (``PersonalField.purposes``, ``recipients``) where it serves fewer than its
    model, else its model's (GDPR Art. 13(1)(c), (e), 13(2)(a), 15(1)(a), (c), (d)).

    Args:
        declaration: a ``ModelDeclaration``.
        name: the name of one of its declared fields.

    Returns:
        dict, its words in the active language: ``description`` (str), ``processing`` (list of ``(purpose label,
        lawful basis label)`` in the model's order), ``recipients`` (list of str),
        ``narrower_purposes`` and ``narrower_recipients`` (bools: fewer than the
        model's), ``retention``, ``source`` and ``erasure`` (str, the model's).
    """
    personal = declaration.fields[name]
    processing = [p for p in declaration.processing if not personal.purposes or p.purpose in personal.purposes]
    recipients = [r for r in declaration.recipients if not personal.recipients or r in personal.recipients]
    return {
        "description": registry_text(personal.description),
        "processing": _processing_in_words(processing),
        "recipients": [registry_text(recipient) for recipient in recipients],
        "narrower_purposes": len(processing) < len(declaration.processing),
        "narrower_recipients": len(recipients) < len(declaration.recipients),
        "retention": registry_text(declaration.retention),
        "source": registry_text(declaration.source),
        "erasure": declaration.erasure.in_the_notice(),
    }


def _processing_in_words(processing):
    """Return ``[(purpose label, lawful basis label)]`` of ``Processing`` entries, in the active language."""
    return [(str(Purpose(p.purpose).label), str(LawfulBasis(p.lawful_basis).label)) for p in processing]


def _lower_first(text):
    return f"{text[:1].lower()}{text[1:]}"


def _field_in_the_notice(declaration, name):
    """Return a field's description, with the only purposes and recipients it has when it has fewer than its model."""
    statement = field_statement(declaration, name)
    limits = []
    if statement["narrower_purposes"]:
        uses = gettext(" and to ").join(_lower_first(purpose) for purpose, _ in statement["processing"])
        limits.append(gettext("used only to %(uses)s") % {"uses": uses})
    if statement["narrower_recipients"]:
        recipients = "; ".join(_lower_first(r) for r in statement["recipients"])
        limits.append(gettext("received only by: %(recipients)s") % {"recipients": recipients})
    if not limits:
        return statement["description"]
    return f"{statement['description']} ({'; '.join(limits)})"


def privacy_notice():
    """Return what the portal processes, from the personal-data registry, for the privacy notice.

    GDPR Art. 13 and 14: categories, purposes with their lawful bases, recipients,
    retention and sources, per kind of record; a field that serves fewer purposes
    or goes to fewer recipients than its record says so (``field_statement``).

    Returns:
        list of dicts, one per declared model in registry order, in the active language: ``description``,
        ``items`` (list of ``(category label, [field descriptions])``),
        ``processing`` (list of ``(purpose label, lawful basis label)``),
        ``retention``, ``recipients`` (list of str), ``source`` and ``erasure``
        (what erasure does, in words).
    """
    notice = []
    for declaration in registry:
        by_category = {}
        for name, personal in declaration.fields.items():
            by_category.setdefault(str(Category(personal.category).label), []).append(
                _field_in_the_notice(declaration, name)
            )
        notice.append(
            {
                "description": registry_text(declaration.description),
                "items": list(by_category.items()),
                "processing": _processing_in_words(declaration.processing),
                "retention": registry_text(declaration.retention),
                "recipients": [registry_text(recipient) for recipient in declaration.recipients],
                "source": registry_text(declaration.source),
                "erasure": declaration.erasure.in_the_notice(),
            }
        )
    return notice


def erasure_plan():
    """Return what erasing a learner does to each kind of record, from the personal-data registry.

    For the privacy officer confirming an erasure (GDPR Art. 17): the registry's
    rule per declared model, in registry order, without any learner's data.

    Returns:
        list of dicts: ``description`` (the kind of record, "the learner's payments"), ``outcome``
        ("Deleted", "Anonymised" or "Retained") and ``detail`` (the fields
        replaced, or the legal reason and the fields stripped; "" when deleted).
    """
    return [
        {
            "description": in_staff_words(d.description),
            "outcome": d.erasure.outcome,
            "detail": d.erasure.detail(d.model),
        }
        for d in registry
    ]


def kept_after_erasure(records=None):
    """Return what erasing a learner keeps, and why, in the learner's words (GDPR Art. 17(3), 12(1)).

    For the confirmation the learner gets: every declared kind of record whose
    erasure rule is not a deletion, in registry order.

    Args:
        records: an erasure receipt's ``records`` (``{model label: [what, rows]}``) to
            name only the kinds this learner had rows of; None names every kind.

    Returns:
        list of ``(description, what erasure does to it)``, e.g. ``("Your payments",
        "Kept: Accounting records must be kept …")``.
    """
    return [
        (registry_text(d.description), d.erasure.in_the_notice())
        for d in registry
        if not isinstance(d.erasure, Delete) and (records is None or records.get(d.label, (None, 0))[1])
    ]


def record_of_processing():
    """Return the record of processing activities, one entry per registry declaration (GDPR Art. 30(1)).

    Built from ``privacy_notice()``, so the record and the privacy notice
    cannot disagree.

    Returns:
        list of dicts in registry order, keyed by ``RECORD_COLUMNS``; every value
        is a str except ``categories_of_personal_data`` (list of
        ``(category label, [field descriptions])``), ``purposes_and_lawful_bases``
        (list of ``(purpose label, lawful basis label)``) and ``recipients`` (list of str).
    """
    return [
        {
            "record": entry["description"],
            "categories_of_personal_data": entry["items"],
            "purposes_and_lawful_bases": entry["processing"],
            "recipients": entry["recipients"],
            "retention": entry["retention"],
            "source": entry["source"],
            "erasure": entry["erasure"],
        }
        for entry in privacy_notice()
    ]


def _record_cells(entry):
    return {
        **entry,
        "categories_of_personal_data": "; ".join(
            f"{category}: {', '.join(fields)}" for category, fields in entry["categories_of_personal_data"]
        ),
        "purposes_and_lawful_bases": "; ".join(
            f"{purpose} ({basis})" for purpose, basis in entry["purposes_and_lawful_bases"]
        ),
        "recipients": "; ".join(entry["recipients"]),
    }


def write_record_of_processing_csv(stream, records):
    """Write ``records`` (from ``record_of_processing()``) as CSV, one row per record, lists joined by "; "."""
    write_csv(stream, RECORD_COLUMNS, [_record_cells(entry) for entry in records])


def write_record_of_processing_markdown(stream, records):
    """Write ``records`` (from ``record_of_processing()``) as Markdown, one section per record."""
    stream.write("# Record of processing activities (GDPR Art. 30(1))\n\n")
    stream.write(f"Generated on {timezone.localdate().isoformat()} from the personal-data registry.\n")
    for entry in records:
        stream.write(f"\n## {entry['record']}\n\n### Categories of personal data\n\n")
        for category, fields in entry["categories_of_personal_data"]:
            stream.write(f"- {category}: {', '.join(fields)}\n")
        stream.write("\n### Purposes and lawful bases\n\n")
        for purpose, basis in entry["purposes_and_lawful_bases"]:
            stream.write(f"- {purpose} — {basis}\n")
        stream.write("\n### Recipients\n\n")
        for recipient in entry["recipients"] or ["None besides the learner."]:
            stream.write(f"- {recipient}\n")
        stream.write(f"\n**Retention:** {entry['retention']}\n\n")
        stream.write(f"**Source:** {entry['source']}\n\n")
        stream.write(f"**Erasure:** {entry['erasure']}\n")


#: What erasure did to a kind of record, as an erasure receipt records it, with the officer's heading.
RECEIPT_OUTCOMES = {
    "deleted": pgettext_lazy("erasure outcome", "Deleted"),
    "anonymised": _("Anonymised (kept without what identifies the learner)"),
    "retained": _("Kept for a legal reason (GDPR Art. 17(3)), stripped of what identifies the learner"),
}


def erasure_receipt_in_words(records):
    """Return an erasure receipt's records in the privacy officer's words, grouped by what erasure did.

    Args:
        records: a receipt's ``{model label: [what, rows]}`` (``erasure.erasure_execute``).

    Returns:
        list of ``(heading, [(kind of record, rows, reason)])`` in the order of
        ``RECEIPT_OUTCOMES``: the kind in the third person ("the learner's payments"),
        the reason only for records kept (else ""); kinds without rows are left out.
    """
    declarations = {declaration.label: declaration for declaration in registry}
    grouped = {what: [] for what in RECEIPT_OUTCOMES}
    for label, (what, rows) in records.items():
        declaration = declarations.get(label)
        if not rows or what not in grouped:
            continue
        description = declaration.description if declaration else label
        kind = in_staff_words(description)
        kind = kind[:1].lower() + kind[1:]
        reason = getattr(declaration.erasure, "reason", "") if declaration and what == "retained" else ""
        reason = in_staff_words(reason)
        grouped[what].append((kind, rows, reason))
    return [(RECEIPT_OUTCOMES[what], items) for what, items in grouped.items() if items]


def _counted(message, number):
    """Return ``message`` (an ``ngettext`` for ``number``, with ``%(count)s``) with the number filled in."""
    return message % {"count": number}


def erasure_scan_in_words(scanned, columns_left):
    """Return an erasure receipt's scan as the privacy officer reads it, in one or two sentences.

    E.g. "12 tables and 48 columns searched for the former email and username (every text
    column of the 40 rows still about the learner; 12 free-text columns in everyone's rows,
    through their search indexes), 3 encrypted rows in 4 encrypted columns decrypted and
    checked: no former identifier remains." (GDPR Art. 17(1), 5(2)), in the active language.
    A receipt made before the scan followed the learner (no ``free_text_columns``) searched
    every row, and says only what it searched.

    Args:
        scanned: a receipt's ``scanned`` (``erasure.erasure_scan_scope``).
        columns_left: how many columns the scan still finds an identifier in.

    Returns:
        str.
    """
    identifiers = [identifier_kind_in_words(kind) for kind in scanned.get("identifiers") or []]
    tables, columns = scanned.get("tables", 0), scanned.get("columns", 0)
    searched = gettext("%(tables)s and %(columns)s searched") % {
        "tables": _counted(ngettext("%(count)s table", "%(count)s tables", tables), tables),
        "columns": _counted(ngettext("%(count)s column", "%(count)s columns", columns), columns),
    }
    if identifiers:
        searched = gettext("%(searched)s for the former %(identifiers)s") % {
            "searched": searched,
            "identifiers": get_text_list(identifiers, gettext("and")),
        }
    if "free_text_columns" in scanned:  # a scan that follows the learner says how it searched
        own_rows = scanned.get("own_rows", 0)
        searched = gettext(
            "%(searched)s (every text column of the %(rows)s still about the learner; %(free_text_columns)s in "
            "everyone's rows, through their search indexes)"
        ) % {
            "searched": searched,
            "rows": _counted(ngettext("%(count)s row", "%(count)s rows", own_rows), own_rows),
            "free_text_columns": _counted(
                ngettext("%(count)s free-text column", "%(count)s free-text columns", scanned["free_text_columns"]),
                scanned["free_text_columns"],
            ),
        }
    if scanned.get("encrypted_columns"):
        rows = scanned.get("encrypted_rows", 0)
        searched = ngettext(
            "%(searched)s, %(rows)s in %(columns)s decrypted and checked",
            "%(searched)s, %(rows)s in %(columns)s decrypted and checked",
            rows,
        ) % {
            "searched": searched,
            "rows": _counted(ngettext("%(count)s encrypted row", "%(count)s encrypted rows", rows), rows),
            "columns": _counted(
                ngettext("%(count)s encrypted column", "%(count)s encrypted columns", scanned["encrypted_columns"]),
                scanned["encrypted_columns"],
            ),
        }
    if columns_left:
        verdict = _counted(
            ngettext(
                "%(count)s column still holds a former identifier",
                "%(count)s columns still hold a former identifier",
                columns_left,
            ),
            columns_left,
        )
    else:
        verdict = gettext("no former identifier remains")
    sentence = gettext("%(searched)s: %(verdict)s.") % {"searched": searched, "verdict": verdict}
    if unreadable := scanned.get("unreadable_columns"):
        sentence += " " + _counted(
            ngettext(
                "%(count)s column of hashes and random keys, where no name can be read, was not searched.",
                "%(count)s columns of hashes and random keys, where no name can be read, were not searched.",
                unreadable,
            ),
            unreadable,
        )
    if "other_tables" in scanned:
        if scanned["other_tables"]:
            sentence += " " + _counted(
                ngettext(
                    "Nor were columns of fixed values (choices, codes, numbers, dates), other people's own names and "
                    "settings, or the %(count)s table of Django and its libraries that hold no one's personal data "
                    "(permissions, content types).",
                    "Nor were columns of fixed values (choices, codes, numbers, dates), other people's own names and "
                    "settings, or the %(count)s tables of Django and its libraries that hold no one's personal data "
                    "(permissions, content types).",
                    scanned["other_tables"],
                ),
                scanned["other_tables"],
            )
        else:
            sentence += " " + gettext(
                "Nor were columns of fixed values (choices, codes, numbers, dates), other people's own names and "
                "settings."
            )
    return sentence


def processing_confirmation(subject):
    """Return which categories of ``subject``'s data the portal processes now, why and on which lawful basis.

    The simplified confirmation of processing (LGPD Art. 18 I, 19 I): read from the
    registry, for the declared records that hold at least one row about ``subject``;
    each field counts with its own purposes where it serves fewer than its record
    (``field_statement``'s rule). Codes, not words, so that the answer can be kept and
    read later in any language.

    Args:
        subject: the data subject (a user).

    Returns:
        list of dicts in ``Category`` order, one per category held: ``category`` (a
        ``Category`` value), ``records`` (labels of the declared models holding it, registry
        order) and ``processing`` (``[purpose, lawful basis]`` pairs of ``Purpose`` and
        ``LawfulBasis`` values, first seen first). Empty when nothing is held.
    """
    by_category = {}
    for declaration in registry:
        if not declaration.queryset_for(subject).exists():
            continue
        for personal in declaration.fields.values():
            entry = by_category.setdefault(personal.category, {"records": [], "processing": []})
            if declaration.label not in entry["records"]:
                entry["records"].append(declaration.label)
            for processing in declaration.processing:
                pair = [processing.purpose.value, processing.lawful_basis.value]
                if (not personal.purposes or processing.purpose in personal.purposes) and pair not in entry[
                    "processing"
                ]:
                    entry["processing"].append(pair)
    return [{"category": category.value, **by_category[category]} for category in Category if category in by_category]


def recipients_of(subject):
    """Return who receives ``subject``'s data, by the registry, for the records that hold some about them.

    The recipients the portal discloses data to by design (LGPD Art. 18 VII, GDPR Art. 15(1)(c)); what was
    actually sent to a named partner is in the audit log (``selectors.disclosures_of``).

    Returns:
        list of dicts, one per recipient in order of first declaration: ``recipient`` (the registry's English
        phrase, marked for translation) and ``records`` (labels of the models it receives, registry order).
    """
    recipients = {}
    for declaration in registry:
        if declaration.recipients and declaration.queryset_for(subject).exists():
            for recipient in declaration.recipients:
                recipients.setdefault(str(recipient), []).append(declaration.label)
    return [{"recipient": recipient, "records": records} for recipient, records in recipients.items()]


def sensitive_information_of(subject):
    """Return the sensitive personal information the portal holds about ``subject`` (Cal. Civ. Code §1798.140(ae)).

    Read from the registry (``PersonalField.sensitive_personal_information``), for the
    declared records that hold at least one row about ``subject``.

    Returns:
        list of ``[model label, field name]`` pairs, in registry order.
    """
    held = []
    for declaration in registry:
        names = [name for name, personal in declaration.fields.items() if personal.sensitive_personal_information]
        if names and declaration.queryset_for(subject).exists():
            held.extend([declaration.label, name] for name in names)
    return held
