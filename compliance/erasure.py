"""Erasure of a data subject, driven by the personal-data registry (GDPR Art. 17).

One transaction applies each declaration's rule — delete, anonymise, or retain
stripped of identity — to the subject's rows, then anonymises and deactivates
the account itself. Files and sessions go after the commit. A scan then looks
for the identifiers the account had (email, username, full name, phone) in the
subject's own remaining rows and, through trigram indexes, in the free text of
everyone's rows; its result is the erasure receipt. Encrypted columns hold
ciphertext that SQL cannot search: the scan decrypts them (free text in every
row, the rest in the subject's own rows) and says so in the receipt.

Free text kept after erasure (staff notes and reasons) keeps its words but loses
the subject's identifiers (``Redact``). What the scan still finds elsewhere is
listed row by row (``erasure_leftovers``) for the privacy officer, who redacts it
(``erasure_leftover_redact``).
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import pgtrigger
from cryptography.fernet import InvalidToken
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Cast, Replace, Upper
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from learnerportal.encryption import EncryptedFieldMixin, multi_fernet
from learnerportal.learner_cache import learner_cache_drop

from .exceptions import LeftoverNotRedactable
from .models import ERASING_SUBJECT_SETTING
from .registry import Anonymize, Delete, Redact, Retain, registry
from .search import (
    PHONE_SEPARATORS,
    Digits,
    caseless_pattern,
    phone_digits,
    plain_text,
    search_tokens_candidates,
    search_tokens_fields,
    searchable_text,
)

#: Identifiers shorter than this are not searched for by the receipt scan: they would match
#: unrelated text ("al", "li") and tell nothing.
SCAN_MIN_LENGTH = 4

#: Text columns the receipt scan does not search, ``"table.column": why``. Each holds only
#: machine-made values (one-way hashes, random keys, signed encodings): a person's
#: identifier cannot be read in them, yet their random letters spell a short one now and
#: then, and a scan of every learner's sessions would fail erasures by chance.
UNREADABLE_COLUMNS = {
    "accounts_user.password": "a one-way hash, or a random mark for an account without a password",
    "django_session.session_key": "a random key",
    "django_session.session_data": "signed, encoded session data",
    "axes_accesslog.session_hash": "a one-way hash of a session key",
    "accounts_personalaccesstoken.digest": "a one-way hash of a token",
    "accounts_personalaccesstoken.hint": "a token's first random characters",
    "privacy_backupcode.salt": "a random salt",
    "privacy_backupcode.digest": "a one-way hash of a backup code",
    "rights_requests_requestfile.storage_name": "a random file name",
}

#: Encrypted columns the scan does not decrypt, ``"table.column": why``: they hold the erased
#: identifiers on purpose, for as long as the scan must still look for them.
HELD_FOR_THE_SCAN = {
    "rights_requests_rightsrequest.erasure_identifiers": (
        "an erasure with findings keeps the identifiers it looks for, encrypted, until none is left"
    ),
}

#: How many leftovers ``erasure_leftovers`` lists at most: the officer redacts them a page at a time.
LEFTOVERS_LISTED = 200

#: How many times an erased account's new username or email is drawn before one that
#: spells none of the old identifiers is kept.
REPLACEMENT_DRAWS = 20


def identifier_pattern(identifier, body=None):
    """Return a regular expression finding ``identifier`` as a whole, not inside a longer word.

    "noor" is found in "Rang Noor." and "/learners/noor/", not in "Noorani" or in another
    account's random "erased-3fnoor…": a part of a longer word is another word, and the
    random letters of other rows spell short names by chance. The edges are checked only
    where the identifier has a word character (an email's "@" or a phone's "+" needs none).
    The same pattern serves PostgreSQL (``~*``, advanced regular expressions) and Python
    (``re.IGNORECASE``).

    Args:
        identifier: the value looked for.
        body: the pattern of its characters, when not the literal text (``search.caseless_pattern``);
            the word edges are always the identifier's.

    Returns:
        str: the pattern.
    """
    start = r"(?<!\w)" if re.match(r"\w", identifier[:1]) else ""
    end = r"(?!\w)" if re.match(r"\w", identifier[-1:]) else ""
    return f"{start}{re.escape(identifier) if body is None else body}{end}"


def phone_pattern(phone):
    """Return a regular expression finding ``phone`` however it is written.

    "+44 7700 900456" is found as "+447700900456", "0044 7700 900456", "07700 900456" and
    "7700-900-456": the number identifies the learner, not one way of writing it (GDPR
    Art. 4(1), 17(1)). The core is the number without its country code (up to three
    digits after "+" or "00") or national "0"; up to four digits of prefix and two
    separators between any digits may stand around it. Serves PostgreSQL and Python, as
    ``identifier_pattern`` does.

    Returns:
        str: the pattern.
    """
    core = phone_digits(phone)
    between = f"{PHONE_SEPARATORS}{{0,3}}"
    prefix = rf"\(?(?:\+|00)?(?:\d{between}){{0,4}}"
    return rf"(?<![\d+]){prefix}{between.join(core)}(?!{between}\d)"


def search_pattern(kind, value):
    """Return the regular expression the scan and redaction use for one identifier of ``kind``."""
    return phone_pattern(value) if kind == "phone" else identifier_pattern(value)


#: The kinds of identifier erasure removes (``subject_identifiers``), as the privacy officer reads them.
IDENTIFIER_KINDS = {
    "email": pgettext_lazy("kind of identifier", "email"),
    "username": pgettext_lazy("kind of identifier", "username"),
    "full name": pgettext_lazy("kind of identifier", "full name"),
    "phone": pgettext_lazy("kind of identifier", "phone"),
}


def identifier_kind_in_words(kind):
    """Return a kind of identifier (``"full name"``) in the active language; an unknown kind as it is."""
    return str(IDENTIFIER_KINDS.get(kind, kind))


def subject_identifiers(subject):
    """Return the identifiers erasure removes and the scan looks for, ``{kind: value}``.

    Kinds: ``email``, ``username``, ``full name``, ``phone``; values shorter than
    ``SCAN_MIN_LENGTH`` are left out. Read them before ``erasure_execute``: after it
    the account holds none of them.
    """
    profile = getattr(subject, "profile", None)
    values = {
        "email": subject.email,
        "username": subject.username,
        "full name": getattr(profile, "full_name", ""),
        "phone": getattr(profile, "phone", ""),
    }
    return {kind: value for kind, value in values.items() if value and len(value) >= SCAN_MIN_LENGTH}


def _free_of(identifiers, draw):
    """Return ``draw()``'s value, drawn again while it contains one of ``identifiers``.

    A random replacement ("erased-3f…") can spell a short old identifier ("cafe"); the
    receipt would then report it as left. After ``REPLACEMENT_DRAWS`` tries the last
    value is kept, and the scan reports it.
    """
    wanted = [re.compile(search_pattern(kind, value), re.IGNORECASE) for kind, value in identifiers.items()]
    for _ in range(REPLACEMENT_DRAWS):
        value = draw()
        if not any(pattern.search(str(value)) for pattern in wanted):
            break
    return value


def _patterns(identifiers):
    """Return compiled whole-word patterns of ``identifiers``' values, longest first.

    Longest first, so an email is replaced whole before the username inside it is.
    """
    ordered = sorted(identifiers.items(), key=lambda item: len(item[1]), reverse=True)
    return [re.compile(search_pattern(kind, value), re.IGNORECASE) for kind, value in ordered]


def redact(value, identifiers):
    """Return ``value`` with each of ``identifiers`` replaced by ``Redact.placeholder``.

    Args:
        value: a string, or JSON (dicts, lists, strings, numbers); every string in
            it, keys included, is redacted. Other values come back unchanged.
        identifiers: ``{kind: value}``, as ``subject_identifiers`` returns.
    """
    if not identifiers:
        return value
    # One pass with every identifier, longest first: a replacement is never searched again.
    anyone = re.compile("|".join(f"(?:{pattern.pattern})" for pattern in _patterns(identifiers)), re.IGNORECASE)

    def walk(item):
        if isinstance(item, str):
            # Text redacted before stays as it is: "[erased learner]" is never searched again.
            parts = item.split(Redact.placeholder)
            return Redact.placeholder.join(anyone.sub(Redact.placeholder, part) for part in parts)
        if isinstance(item, dict):
            return {walk(key): walk(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [walk(inner) for inner in item]
        return item

    return walk(value)


def _apply(rows, replacements, identifiers):
    """Set ``replacements`` on every row; callables get the row, ``Redact()`` redacts ``identifiers``."""
    if not any(callable(value) or isinstance(value, Redact) for value in replacements.values()):
        return rows.update(**replacements)
    count = 0
    for row in rows:
        for name, value in replacements.items():
            if isinstance(value, Redact):
                value = redact(getattr(row, name), identifiers)
            elif callable(value):
                value = value(row)
            setattr(row, name, value)
        row.save(update_fields=list(replacements))
        count += 1
    return count


def _rows_to_delete(subject):
    """Return ``{label: rows}`` of the subject's rows under each ``Delete`` rule, counted before any goes.

    Counted first because deleting one kind can cascade to another (ending the
    sessions takes the devices list with them; an enrollment its quiz results),
    which would then count as 0 in the receipt.
    """
    return {
        declaration.label: declaration.queryset_for(subject).count()
        for declaration in registry
        if isinstance(declaration.erasure, Delete)
    }


def _erase_declared_rows(subject, to_delete, identifiers):
    """Apply every declaration's rule except the user model's own; return ``{label: (rule, rows)}``.

    ``to_delete`` is ``_rows_to_delete(subject)``, taken before anything was erased;
    ``identifiers`` what ``Redact()`` removes from free text.
    """
    user_model = apps.get_model(subject._meta.label)
    outcome = {}
    # Models that find the subject by a value (e.g. a username typed at sign-in) go first,
    # while that value is still the subject's.
    ordered = sorted(registry, key=lambda declaration: not declaration.subject_field)
    for declaration in ordered:
        if declaration.model is user_model:
            continue
        rows = declaration.queryset_for(subject)
        rule = declaration.erasure
        if isinstance(rule, Delete):
            rows.delete()
            outcome[declaration.label] = ("deleted", to_delete[declaration.label])
        elif isinstance(rule, Anonymize):
            outcome[declaration.label] = ("anonymised", _apply(rows, rule.replacements, identifiers))
        elif isinstance(rule, Retain):
            stripped = _apply(rows, rule.strip, identifiers) if rule.strip else rows.count()
            outcome[declaration.label] = ("retained", stripped)
    return outcome


def _plain_text_fields(model):
    """Return the model's plain text columns (text, varchar, JSON) the scan can search in SQL.

    Left out: columns with choices (one of a fixed set of values, never a person's
    identifier); encrypted columns, whose ciphertext never contains an identifier
    (``_encrypted_columns`` covers them); ``UNREADABLE_COLUMNS``. Numbers, dates, booleans
    and UUIDs are not text and never hold one either.
    """
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
        and not field.choices
        and not isinstance(field, EncryptedFieldMixin)
        and f"{model._meta.db_table}.{field.column}" not in UNREADABLE_COLUMNS
    ]


@dataclass(frozen=True)
class _Search:
    """Plain text columns of one table, and the rows the scan searches them in.

    ``everyone``: the columns are free text, searched in every row through their trigram
    indexes (``compliance.search``); otherwise ``rows`` are the subject's own.
    """

    model: type[models.Model]
    fields: list
    rows: models.QuerySet
    everyone: bool


def _own_rows(declaration, subject, identifiers):
    """Return ``declaration``'s rows about ``subject``: by relation, or by the value the account had.

    A model that finds its subject by a value (a username typed at sign-in) is searched
    in the rows with the account's value now and the one it had before erasure.
    """
    rows = declaration.queryset_for(subject)
    former = identifiers.get(declaration.subject_field) if declaration.subject_field else None
    if former:
        rows |= declaration.model._default_manager.filter(**{f"{declaration.subject_lookup}__iexact": former})
    return rows


def _searches(identifiers, subject):
    """Yield the ``_Search`` of every table the scan searches in SQL.

    Every declared model's plain text columns are searched in ``subject``'s own remaining
    rows (none without a subject); its free-text columns (``PersonalField.free_text``) and
    those of ``SharedText`` declarations, which may name anyone, in every row.
    """
    for declaration in registry:
        fields = _plain_text_fields(declaration.model)
        free = [f for f in fields if getattr(declaration.fields.get(f.name), "free_text", False)]
        own = [f for f in fields if f not in free]
        if own and subject is not None:
            yield _Search(declaration.model, own, _own_rows(declaration, subject, identifiers), everyone=False)
        if free:
            yield _Search(declaration.model, free, declaration.model._default_manager.all(), everyone=True)
    for shared in registry.shared_text():
        fields = [f for f in _plain_text_fields(shared.model) if f.name in shared.fields]
        if fields:
            yield _Search(shared.model, fields, shared.model._default_manager.all(), everyone=True)


@contextmanager
def _through_indexes(everyone):
    """Inside the block, let PostgreSQL read a table only through its indexes when ``everyone`` is true.

    A query over everyone's free text must read the few rows the trigram indexes point to.
    The planner prices the per-row text functions (``UPPER``, ``regexp_replace``) too low and
    reads a mid-sized table whole instead, at 2 µs a row: a cost that grows with the platform.
    ``enable_seqscan`` is set for this transaction and put back after.
    """
    if not everyone:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('enable_seqscan', 'on', true)")


def _search_expressions(fields):
    """Return the aliases a search's queries use, for each field ``i``.

    ``_upper_i`` the column as text in capitals, ``_digits_i`` its digits alone
    (``Digits``): the two expressions the trigram indexes hold; ``_text_i`` the text with
    placeholders blanked, and ``_uptext_i`` the same in capitals, which the patterns are
    matched on.
    """
    text = models.TextField()
    aliases = {}
    for index, field in enumerate(fields):
        raw = F(field.attname) if not isinstance(field, models.JSONField) else Cast(field.attname, text)
        aliases[f"_upper_{index}"] = Upper(raw)
        aliases[f"_digits_{index}"] = Digits(raw)
        aliases[f"_text_{index}"] = _searchable(field)
        aliases[f"_uptext_{index}"] = Upper(_searchable(field))
    return aliases


def _candidate(index, kind, value):
    """Return the substring test for one identifier in field ``index``: cheap, and answered by its trigram index.

    Every match of the identifier's pattern passes it; the pattern then decides.
    """
    if kind == "phone":
        return models.Q(**{f"_digits_{index}__contains": phone_digits(value)})
    return models.Q(**{f"_upper_{index}__regex": caseless_pattern(value)})


def _match(index, kind, value):
    """Return the test deciding whether field ``index`` names one identifier: its pattern, as Python's would match.

    A phone's pattern has no letters; any other identifier is matched on the text in
    capitals with ``caseless_pattern``, between the same word edges as ``identifier_pattern``.
    """
    if kind == "phone":
        return _candidate(index, kind, value) & models.Q(**{f"_text_{index}__iregex": phone_pattern(value)})
    return _candidate(index, kind, value) & models.Q(
        **{f"_uptext_{index}__regex": identifier_pattern(value, body=caseless_pattern(value))}
    )


def _candidates(fields, identifiers):
    """Return the rows any field of ``fields`` may hold an identifier in: an OR of ``_candidate`` tests."""
    candidates = models.Q()
    for index in range(len(fields)):
        for kind, value in identifiers.items():
            candidates |= _candidate(index, kind, value)
    return candidates


def _search_query(search, identifiers):
    """Return ``(queryset, counts)``: the search's candidate rows, and one ``Count`` per field and identifier.

    ``counts`` keys are ``_count_<field index>_<identifier index>``; each counts the rows whose
    text (placeholders blanked) matches the identifier's pattern.
    """
    counts = {
        f"_count_{index}_{number}": models.Count(
            "pk",
            filter=_match(index, kind, value),
        )
        for index in range(len(search.fields))
        for number, (kind, value) in enumerate(identifiers.items())
    }
    rows = search.rows.alias(**_search_expressions(search.fields)).filter(_candidates(search.fields, identifiers))
    return rows, counts


def _encrypted_columns(identifiers, subject):
    """Yield ``(model, [field, ...], rows)`` for every table with encrypted columns but ``HELD_FOR_THE_SCAN``.

    ``rows`` is the queryset the scan decrypts. Free text (``PersonalField.free_text``,
    e.g. a request's details, where a learner may name another) may name the subject in
    anyone's row: it is decrypted in the subject's own rows and in the rows its search
    tokens point to (``search.search_tokens_candidates``: those that may hold one of
    ``identifiers``, and those not indexed yet). Other encrypted fields (a phone, a date of birth) hold their
    own row's person, so only the subject's rows are decrypted. A model outside the
    registry has every row decrypted (none exists today).
    """
    for model in apps.get_models():
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedFieldMixin)
            and f"{model._meta.db_table}.{field.column}" not in HELD_FOR_THE_SCAN
        ]
        if not fields:
            continue
        declaration = registry.get(model)
        if declaration is None:
            yield model, fields, model._default_manager.all()
            continue
        free = [field for field in fields if getattr(declaration.fields.get(field.name), "free_text", False)]
        own = [field for field in fields if field not in free]
        if free:
            candidates = model._default_manager.filter(search_tokens_candidates(model, identifiers))
            yield model, free, candidates | declaration.queryset_for(subject)
        if own:
            yield model, own, declaration.queryset_for(subject)


class _JSONEscapesUndone(models.Func):
    """JSON text with its escapes undone, as ``search.plain_text`` does in Python.

    ``jsonb::text`` writes a line break as ``\\n``: "…\\nnoor@example.org" would be one word
    to the patterns. Control characters and ``\\uXXXX`` become a space; ``\\"``, ``\\\\`` and
    ``\\/`` the character they stand for.
    """

    # An escaped backslash stands aside (U+E000) while the other escapes are undone, so that "\\\\n" stays
    # a backslash and an "n".
    template = (
        "replace(regexp_replace(regexp_replace(replace(%(expressions)s, '\\\\', chr(57344)), "
        "'\\\\(?:[bfnrt]|u[0-9a-fA-F]{4})', ' ', 'g'), '\\\\([\"/])', '\\1', 'g'), chr(57344), '\\')"
    )
    output_field = models.TextField()


def _searchable(field):
    """Return the SQL expression the scan searches: the column as text, placeholders blanked.

    Text an erasure redacted before ("[erased learner]") names nobody; blanking it keeps an
    identifier such as "learner" from finding every redacted note, again and again. JSON is
    searched with its escapes undone (``_JSONEscapesUndone``).
    """
    text = models.TextField()
    column = Cast(field.attname, text)
    if isinstance(field, models.JSONField):
        column = _JSONEscapesUndone(column)
    return Replace(column, Value(Redact.placeholder, output_field=text), Value(" ", output_field=text))


def _decrypted_text(field, token, fernet):
    """Return an encrypted column's stored ``token`` as the scan searches it (``search.searchable_text``).

    A token no key decrypts goes through the field, which says so.
    """
    try:
        text = fernet.decrypt(token.encode()).decode()
    except InvalidToken:
        return plain_text(field.from_db_value(token, None, connection))  # raises KeyMissing
    return searchable_text(field, text)


def _encrypted_scan(identifiers, subject):
    """Decrypt the encrypted columns ``_encrypted_columns`` names and look for ``identifiers``.

    One ``MultiFernet`` for every value, and one pattern of all identifiers tried before
    each of them: a request's details are decrypted in every row, so the cost per row counts.

    Returns:
        ``(findings, rows_checked)``: findings as in ``erasure_scan``; the number of
        rows decrypted.
    """
    findings, checked = [], 0
    wanted = {kind: re.compile(search_pattern(kind, value), re.IGNORECASE) for kind, value in identifiers.items()}
    anyone = re.compile("|".join(f"(?:{pattern.pattern})" for pattern in wanted.values()), re.IGNORECASE)
    fernet = multi_fernet()
    for model, fields, rows in _encrypted_columns(identifiers, subject):
        counts = {}
        tokens = {f"_token_{index}": Cast(field.attname, models.TextField()) for index, field in enumerate(fields)}
        for row in rows.annotate(**tokens).values_list(*tokens).iterator():
            checked += 1
            for field, token in zip(fields, row, strict=True):
                if not token:
                    continue
                text = _decrypted_text(field, token, fernet)
                if not anyone.search(text):
                    continue
                for kind, identifier in wanted.items():
                    if identifier.search(text):
                        counts[field.column, kind] = counts.get((field.column, kind), 0) + 1
        findings += [
            {"table": model._meta.db_table, "column": column, "identifier": kind, "rows": count}
            for (column, kind), count in counts.items()
        ]
    return findings, checked


def erasure_scan(identifiers, subject=None):
    """Look for the erased identifiers where they may still be: a scan whose cost follows the subject.

    Searched in SQL: every plain text column of the subject's own remaining rows (those
    the registry's declarations reach from the account), and the free-text columns
    (declared ``free_text``, or ``SharedText``) of everyone's rows, which may name anyone:
    there a trigram index finds the few rows holding the identifier's letters (or a phone's
    digits), and only those are matched against its pattern. One query per table and
    kind of rows. Encrypted columns cannot be searched in SQL; with ``subject`` they are
    decrypted and searched as ``_encrypted_columns`` says. Not searched: columns of fixed
    values (choices, numbers, dates, UUIDs), ``UNREADABLE_COLUMNS``, and the tables of
    Django and libraries the registry does not declare (permissions, content types).

    Args:
        identifiers: ``{kind: value}``, e.g. ``{"email": "noor@example.org"}``.
        subject: the erased user, whose remaining rows are searched in full; None searches
            the free-text columns only.

    Returns:
        list of ``{"table", "column", "identifier", "rows"}`` (the identifier's kind,
        never its value), plain columns by declaration, column, then identifier, then
        encrypted ones; empty when nothing is left.
    """
    findings = []
    if not identifiers:
        return findings
    for search in _searches(identifiers, subject):
        rows, counts = _search_query(search, identifiers)
        with _through_indexes(search.everyone):
            totals = rows.aggregate(**counts)
        for index, field in enumerate(search.fields):
            for number, kind in enumerate(identifiers):
                count = totals[f"_count_{index}_{number}"]
                if count:
                    findings.append(
                        {
                            "table": search.model._meta.db_table,
                            "column": field.column,
                            "identifier": kind,
                            "rows": count,
                        }
                    )
    if subject is not None:
        findings += _encrypted_scan(identifiers, subject)[0]
    return findings


def findings_by_column(findings):
    """Group ``erasure_scan`` findings by the column they are in.

    Returns:
        ``{"table.column": {kind: rows, ...}, ...}`` in the findings' order; its
        length is how many columns still hold an identifier.
    """
    columns = {}
    for finding in findings:
        columns.setdefault(f"{finding['table']}.{finding['column']}", {})[finding["identifier"]] = finding["rows"]
    return columns


def leftover_findings(leftovers):
    """Return ``leftovers`` counted as ``erasure_scan`` reports findings: per table, column and kind.

    Returns:
        list of ``{"table", "column", "identifier", "rows"}``, in the leftovers' order.
    """
    counts = {}
    for place in leftovers:
        for kind in place.identifiers:
            counts[place.table, place.column, kind] = counts.get((place.table, place.column, kind), 0) + 1
    return [
        {"table": table, "column": column, "identifier": kind, "rows": rows}
        for (table, column, kind), rows in counts.items()
    ]


def _unsearched_tables():
    """Return the tables with text columns that the scan does not search: Django's and libraries' own, undeclared."""
    searched = {declaration.model for declaration in registry} | {shared.model for shared in registry.shared_text()}
    return sorted(
        model._meta.db_table for model in apps.get_models() if model not in searched and _plain_text_fields(model)
    )


def erasure_scan_scope(identifiers, subject=None):
    """Return what ``erasure_scan`` searches, and how.

    Returns:
        ``{"tables": int, "columns": int, "own_columns": int, "own_rows": int,
        "free_text_columns": int, "identifiers": [kind, ...], "encrypted_columns": int,
        "encrypted_rows": int, "unreadable_columns": int, "other_tables": int}``:
        ``own_columns`` plain text columns searched in the ``own_rows`` rows still about
        ``subject``; ``free_text_columns`` searched in every row through their trigram
        indexes (``tables`` and ``columns`` count both); the encrypted columns (0 without
        ``subject``) decrypted in ``encrypted_rows`` rows: free text in the rows its search
        tokens point to, the rest in the rows still about ``subject``; the ``UNREADABLE_COLUMNS`` (hashes, random
        keys) not at all, nor the ``other_tables`` of Django and libraries that the
        registry does not declare (permissions, content types).
    """
    searches = list(_searches(identifiers, subject))
    own = [search for search in searches if not search.everyone]
    everyone = [search for search in searches if search.everyone]
    encrypted = list(_encrypted_columns(identifiers, subject)) if subject is not None else []
    return {
        "tables": len({search.model for search in searches}),
        "columns": sum(len(search.fields) for search in searches),
        "own_columns": sum(len(search.fields) for search in own),
        "own_rows": sum(search.rows.count() for search in own),
        "free_text_columns": sum(len(search.fields) for search in everyone),
        "identifiers": sorted(identifiers),
        "encrypted_columns": sum(len(fields) for _, fields, _ in encrypted),
        "encrypted_rows": sum(rows.count() for _, _, rows in encrypted),
        "unreadable_columns": len(UNREADABLE_COLUMNS),
        "other_tables": len(_unsearched_tables()),
    }


def _triggers_erasure_passes():
    """Return the append-only triggers the registry lets erasure pass, as django-pgtrigger URIs."""
    return [f"{d.model._meta.label}:{d.erasure_passes_trigger}" for d in registry if d.erasure_passes_trigger]


def _stored_files(subject):
    """Return the storage names of the files the subject's declared rows hold (a photo), to delete after erasure."""
    names = []
    for declaration in registry:
        for name in declaration.file_fields:
            names += [value for value in declaration.queryset_for(subject).values_list(name, flat=True) if value]
    return names


def erasure_execute(*, subject):
    """Erase ``subject`` per the registry, then scan for what is left; return the receipt.

    In one transaction: every declared model's rows about the subject are
    deleted, anonymised or retained stripped of identity (the consent ledger's
    append-only trigger is lifted for this one purpose); staff-admin log entries
    about the account lose its name; the account is anonymised and deactivated;
    its sessions end. After the commit the files its declared rows held (a photo) are deleted from storage.

    Returns:
        dict: ``erased_at`` (ISO time), ``records`` (``{model label: [what, rows]}``),
        ``scanned`` (``erasure_scan_scope``: tables and text columns searched, for
        which kinds of identifier, and the encrypted columns checked in the
        subject's remaining rows) and ``scan`` (findings of ``erasure_scan``;
        empty means no old identifier remains).
    """
    identifiers = subject_identifiers(subject)
    stored_files = _stored_files(subject)
    with transaction.atomic(), pgtrigger.ignore(*_triggers_erasure_passes()):
        with connection.cursor() as cursor:  # lets the audit log's trigger pseudonymise this account's rows
            cursor.execute("SELECT set_config(%s, %s, true)", [ERASING_SUBJECT_SETTING, str(subject.pk)])
        to_delete = _rows_to_delete(subject)
        Session.objects.filter(user_session__user=subject).delete()
        records = _erase_declared_rows(subject, to_delete, identifiers)
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk)
        ).update(object_repr="(erased account)", change_message="")
        user_declaration = registry.get(type(subject))
        # The account's public profile, cached under its username, goes with the commit (the new name's too, on save).
        learner_cache_drop(username=subject.get_username())
        for name, value in user_declaration.erasure.replacements.items():
            setattr(subject, name, _free_of(identifiers, partial(value, subject)) if callable(value) else value)
        subject.is_active = False
        subject.is_staff = False
        subject.is_superuser = False
        subject.save()
        subject.groups.clear()
        subject.user_permissions.clear()
        records[user_declaration.label] = ("anonymised", 1)
        if stored_files:
            transaction.on_commit(lambda: [default_storage.delete(name) for name in stored_files])
    return {
        "erased_at": timezone.now().isoformat(),
        "records": {label: list(result) for label, result in records.items()},
        "scanned": erasure_scan_scope(identifiers, subject),
        "scan": erasure_scan(identifiers, subject),
    }


@dataclass(frozen=True)
class Leftover:
    """One place the receipt scan found an erased identifier: a column of one row.

    ``identifiers`` are the kinds found there (``("email", "username")``), never their values.
    ``redactable``: the column is declared free text, where replacing the identifiers
    keeps the rest meaningful; anything else (a username, a setting, a group's name) is
    for a person to check, and to mark as not about the subject when it is another's.
    """

    table: str
    column: str
    row: str
    identifiers: tuple[str, ...]
    redactable: bool

    @property
    def key(self):
        """Return the place as one string, ``"table.column.row"`` (as the receipt lists dismissed places)."""
        return f"{self.table}.{self.column}.{self.row}"

    def identifiers_in_words(self):
        """Return the kinds found here in the active language, e.g. "email, full name"."""
        return ", ".join(identifier_kind_in_words(kind) for kind in self.identifiers)


#: Logs of what was done, kept as evidence (``"table": why``): what the scan finds there is for a
#: person to check, never rewritten from the leftovers screen (an entry may name another account).
EVIDENCE_TABLES = {
    "django_admin_log": "staff's changes in the admin site, naming the records they changed",
    "privacy_auditevent": "the append-only audit log",
}


def _is_free_text(model, field):
    if model._meta.db_table in EVIDENCE_TABLES:
        return False
    declaration = registry.get(model)
    return declaration is not None and getattr(declaration.fields.get(field.name), "free_text", False)


def _leftover(model, field, pk, text, patterns):
    """Return the ``Leftover`` of ``text`` in one column of one row, or None when it names no identifier."""
    kinds = tuple(kind for kind, pattern in patterns.items() if pattern.search(text))
    if not kinds:
        return None
    return Leftover(model._meta.db_table, field.column, str(pk), kinds, _is_free_text(model, field))


def erasure_leftovers(identifiers, subject, *, limit=LEFTOVERS_LISTED, skip=frozenset()):
    """List, row by row, the places where ``erasure_scan`` finds the erased identifiers.

    Args:
        identifiers: ``{kind: value}`` the erasure removed (``subject_identifiers``).
        subject: the erased account, whose remaining rows' encrypted columns are decrypted.
        limit: at most this many leftovers are returned.
        skip: ``Leftover.key`` of places a person found are not about the subject.

    Returns:
        list of ``Leftover``, plain columns by table, then encrypted ones; the first
        ``limit``.
    """
    if not identifiers:
        return []
    patterns = {kind: re.compile(search_pattern(kind, value), re.IGNORECASE) for kind, value in identifiers.items()}
    found = []
    for search in _searches(identifiers, subject):
        model, fields = search.model, search.fields
        wanted = models.Q()
        for index in range(len(fields)):
            for kind, value in identifiers.items():
                wanted |= _match(index, kind, value)
        rows = (
            search.rows.alias(**_search_expressions(fields))
            .filter(_candidates(fields, identifiers))
            .filter(wanted)
            .order_by("pk")
        )
        with _through_indexes(search.everyone):
            listed = list(rows.values_list("pk", *(field.attname for field in fields))[: limit + len(skip)])
        for pk, *values in listed:
            for field, value in zip(fields, values, strict=True):
                found += filter(None, [_leftover(model, field, pk, plain_text(value), patterns)])
        found = [place for place in found if place.key not in skip]
        if len(found) >= limit:
            return found[:limit]
    for model, fields, rows in _encrypted_columns(identifiers, subject):
        for pk, *values in rows.order_by("pk").values_list("pk", *(field.attname for field in fields)).iterator():
            for field, value in zip(fields, values, strict=True):
                found += filter(None, [_leftover(model, field, pk, plain_text(value), patterns)])
            found = [place for place in found if place.key not in skip]
            if len(found) >= limit:
                return found[:limit]
    return found


def _model_field(table, column):
    for model in apps.get_models():
        if model._meta.db_table == table:
            for field in model._meta.concrete_fields:
                if field.column == column:
                    return model, field
    raise LeftoverNotRedactable(f"There is no column {table}.{column}.")


def erasure_leftover_redact(identifiers, *, table, column, row):
    """Replace the erased ``identifiers`` in one column of one row with ``Redact.placeholder``.

    The rest of the text stays: a note keeps saying what was done. The consent
    ledger's append-only trigger is lifted for this update, as erasure lifts it.

    Args:
        identifiers: ``{kind: value}`` the erasure removed.
        table, column, row: the place, as a ``Leftover`` names it (``row`` is the pk as text).

    Returns:
        bool: True when the value changed; False when the row is gone or no longer
        holds an identifier.

    Raises:
        LeftoverNotRedactable: the column does not exist, is not declared free text (a
            username, a setting, a group's name: a person checks those), or the database
            refuses the change (the audit log is append-only).
    """
    model, field = _model_field(table, column)
    if not _is_free_text(model, field):
        raise LeftoverNotRedactable(
            f"{table}.{column} is not free text: check row {row} by hand, and mark it as not about this "
            "learner if it is someone else's."
        )
    rows = model._default_manager.filter(pk=field.model._meta.pk.to_python(row))
    value = rows.values_list(field.attname, flat=True).first()
    if value is None:
        return False
    redacted = redact(value, identifiers)
    if redacted == value:
        return False
    # Encrypted free text gets its search tokens with it: else the trigger empties them, and every
    # later erasure decrypts this row.
    indexes = [tokens for tokens in search_tokens_fields(model) if tokens.source == field.name]
    values = {field.attname: redacted} | {tokens.attname: tokens.tokens_of(redacted) for tokens in indexes}
    try:
        with transaction.atomic(), pgtrigger.ignore(*_triggers_erasure_passes()):
            rows.update(**values)
    except DatabaseError as error:
        raise LeftoverNotRedactable(
            f"{table}.{column} cannot be changed here: the database refused it ({type(error).__name__})."
        ) from error
    return True
