"""The lines of a portable copy's files, written by PostgreSQL: one query per kind of record, made from the registry.

A learner's largest kinds of record (learning activity, quiz results, enrollments)
are many rows of plain values. For such a kind, the database writes each
record's CSV line and JSON object itself, with the same bytes the Python writer
of ``portability`` gives: the query is generated from the kind's portable fields
(``datasets.portable_datasets()``: declared order, ``export_name``), and each
column is written by a rule of its model field's type, below. A kind with a
column no rule covers exactly — an encrypted column (phone, date of birth, a
request's details), a field declared with ``export_as``, a stored file, a type
without a rule — is written by Python instead (``portable_lines`` answers None);
those kinds hold few rows.

The rules, each the Python writer's:
- text: the JSON string (``to_json``, the escapes of ``json.dumps(ensure_ascii=False)``);
  in the CSV quoted, quotes doubled, and marked with ``'`` when a spreadsheet would
  run it (``spreadsheets.FORMULA_PATTERN``, OWASP CSV injection); the codes of a
  field with choices are looked up, written by Python once per code;
- date and time: ISO 8601 with the offset of the connection's time zone (UTC),
  ``2026-03-14T09:26:52.123456+00:00``, six digits of fraction or none when it is
  zero, as ``datetime.isoformat()`` of the value the driver reads in that zone
  (``to_json``, its fraction padded); a date as ``2026-03-14``;
- numbers unquoted in the CSV; a decimal is text in the JSON (exact); true and
  false are ``true``/``false`` in the JSON and quoted text in the CSV;
- a UUID as text; a JSON value as its JSON text (a string on its own as text);
  the one difference from Python: a number in it keeps the digits stored
  (``1.50``), where Python, reading it as a float, wrote ``1.5`` — the same number;
- a person: "you" for the data subject, "staff" for anyone else (never a name);
- a catalogue row (a course): its name, ``str()`` of the row, made by Python once
  per row referenced (``datasets.reference_names``) and joined in the query;
- no value: an empty quoted CSV cell ``""`` and ``null`` in the JSON.

Rows are read a chunk at a time through a server-side cursor (as Django's
``iterator()`` does), oldest record first, so memory stays bounded and the
connection is free between chunks for the work's progress reports. (A ``COPY …
TO STDOUT`` would hold the connection until its last row, so progress and the
lease could not be reported while a large kind is written; it is not faster.)
"""

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, models

from learnerportal import spreadsheets

from .datasets import CHUNK_SIZE, is_person, reference_names

#: A decimal with more places than this is written by Python: ``str(Decimal)`` turns to exponents past 6.
MAX_DECIMAL_PLACES = 6
#: A field with more codes than this has its values formatted, not looked up (a ``CASE`` is read in order).
MAX_LOOKED_UP_CODES = 40
#: Memory PostgreSQL may sort a kind's rows in before it spills to disk (``work_mem``): a learner's
#: 100,000 learning events take about 14 MB.
SORT_MEMORY = "64MB"


@dataclass(frozen=True)
class Sql:
    """A piece of SQL with ``%s`` placeholders and the parameters they take, in order."""

    text: str
    params: tuple = ()


def sql(template, *parts):
    """Return ``template`` with each ``{}`` replaced by a part: a ``Sql``, or any other value as a parameter.

    ``template`` holds no ``%``, and ``{}`` only as placeholders.
    """
    pieces = template.split("{}")
    texts, params = [pieces[0]], []
    for part, piece in zip(parts, pieces[1:], strict=True):
        part = part if isinstance(part, Sql) else Sql("%s", (part,))
        texts += [part.text, piece]
        params += part.params
    return Sql("".join(texts), tuple(params))


def join(parts, separator):
    """Return the ``Sql`` parts joined by the plain SQL ``separator`` (e.g. ``" || "``)."""
    return Sql(separator.join(part.text for part in parts), tuple(param for part in parts for param in part.params))


def csv_cell(value):
    """Return the text the Python writer writes for ``value`` as one CSV cell, e.g. ``'"\\'=1+1"'`` (no line end)."""
    stream = io.StringIO(newline="")
    spreadsheets.writer(stream).writerow([value])
    return stream.getvalue().removesuffix("\r\n")


def json_value(value):
    """Return the JSON text the Python writer writes for ``value``."""
    return json.dumps(value, ensure_ascii=False)


#: What a cell with no value is written as.
EMPTY_CELL = csv_cell(None)


@dataclass(frozen=True)
class Column:
    """How PostgreSQL writes one column of a portable file.

    Attributes:
        carried: the values the sorted rows carry for it, each an expression over the
            subject's row (``r.<alias>``) or a joined name, computed once per row.
        csv: its CSV cell, from the carried values' references; never NULL.
        json: its JSON value, likewise; never NULL.
        join: what the subject's rows are joined with for it (the names of the catalogue
            rows they reference), or None.
    """

    carried: tuple[Sql, ...]
    csv: Callable[..., Sql]
    json: Callable[..., Sql]
    join: Sql | None = None


def _text_csv(value):
    # SECURITY: OWASP CSV injection — what a spreadsheet would run gets the text mark, as spreadsheets.cell().
    marked = sql("CASE WHEN {} ~ {} THEN {} || {} ELSE {} END", value, spreadsheets.FORMULA_PATTERN, "'", value, value)
    return sql("""coalesce('"' || replace({}, '"', '""') || '"', {})""", marked, EMPTY_CELL)


def _text_json(value):
    return sql("coalesce(to_json({})::text, 'null')", value)


def _coded(value, field, written, otherwise):
    """Return a ``CASE`` giving the text Python writes for each of ``field``'s codes, ``otherwise`` for other values."""
    codes = [code for code, _ in field.flatchoices if isinstance(code, str)]
    if not codes or len(codes) > MAX_LOOKED_UP_CODES:
        return otherwise
    whens = join([sql("WHEN {} THEN {}", code, written(code)) for code in codes], " ")
    return sql("CASE {} {} ELSE {} END", value, whens, otherwise)


def _iso_8601(quoted):
    """Return ``quoted`` (``to_json`` of a time: ``"…T09:26:52.1234+00:00"``) with six digits of fraction, as Python.

    PostgreSQL leaves out a fraction's trailing zeros; ``datetime.isoformat()`` writes
    six digits, or none when the fraction is zero. A date (12 characters) and a time
    without fraction (27) or with six digits (34) stay as they are.
    """
    return sql(
        "CASE WHEN octet_length({}) IN (12, 27, 34) THEN {} "
        "ELSE overlay({} placing repeat('0', 34 - octet_length({})) from octet_length({}) - 6 for 0) END",
        quoted,
        quoted,
        quoted,
        quoted,
        quoted,
    )


def _quoted(value, exact=lambda quoted: quoted):
    """Return a column whose CSV cell and JSON value are one quoted text (``to_json``), made once per row.

    For dates and times, whose text has no quote or backslash to escape, and UUIDs.
    """
    return Column(
        carried=(sql("to_json({})::text", value),),
        csv=lambda quoted: sql("coalesce({}, {})", exact(quoted), EMPTY_CELL),
        json=lambda quoted: sql("coalesce({}, 'null')", exact(quoted)),
    )


def column_of(field, personal, alias, subject, names_of):
    """Return how PostgreSQL writes ``field`` exactly as Python would, or None.

    Args:
        field: the model field.
        personal: its declaration (``PersonalField``); with ``export_as`` only Python writes it.
        alias: the stored value's column in the subject's rows (``r.<alias>``).
        subject: the data subject (a user): a person who is not them is "staff".
        names_of: a function of a catalogue reference (a model field) giving
            ``{pk: name}`` for the rows the subject's rows reference.

    Returns:
        ``Column``, or None for a field PostgreSQL cannot write as the Python writer does
        (encrypted, a file, ``export_as``, a type without a rule).
    """
    value = Sql(f"r.{alias}")
    if personal.export_as is not None:
        return None  # a Python function of the value (an IP address as its network)
    if is_person(field):
        # SECURITY: never name another person (e.g. the staff member who acted).
        return Column(
            carried=(value,),
            csv=lambda person: sql(
                "CASE WHEN {} IS NULL THEN {} WHEN {} = {} THEN {} ELSE {} END",
                person,
                EMPTY_CELL,
                person,
                subject.pk,
                csv_cell("you"),
                csv_cell("staff"),
            ),
            json=lambda person: sql(
                "CASE WHEN {} IS NULL THEN 'null' WHEN {} = {} THEN {} ELSE {} END",
                person,
                person,
                subject.pk,
                json_value("you"),
                json_value("staff"),
            ),
        )
    if isinstance(field, models.ForeignKey):
        if field.target_field != field.related_model._meta.pk:
            return None
        names = names_of(field)
        # The names are joined to the rows before they are sorted: a hash of a few rows, no lookup per row.
        pk_type = field.related_model._meta.pk.rel_db_type(connections[field.model._default_manager.db])
        return Column(
            carried=(Sql(f"{alias}_names.csv"), Sql(f"{alias}_names.json")),
            csv=lambda name, _: sql("coalesce({}, {})", name, EMPTY_CELL),
            json=lambda _, name: sql("coalesce({}, 'null')", name),
            join=sql(
                f"LEFT JOIN unnest({{}}::{pk_type}[], {{}}::text[], {{}}::text[]) AS {alias}_names(pk, csv, json) "
                f"ON {alias}_names.pk = r.{alias}",
                list(names),
                [csv_cell(name) for name in names.values()],
                [json_value(name) for name in names.values()],
            ),
        )
    if hasattr(field, "from_db_value") and not (type(field) is models.JSONField and field.decoder is None):
        return None  # Python turns the stored value into another (decrypts it): only Python writes it
    if isinstance(field, models.BooleanField):
        return Column(
            carried=(value,),
            csv=lambda flag: sql(
                "CASE WHEN {} THEN {} WHEN NOT {} THEN {} ELSE {} END",
                flag,
                csv_cell("true"),
                flag,
                csv_cell("false"),
                EMPTY_CELL,
            ),
            json=lambda flag: sql("coalesce({}::text, 'null')", flag),
        )
    if isinstance(field, models.DecimalField):
        if field.decimal_places is None or field.decimal_places > MAX_DECIMAL_PLACES:
            return None
        # A number in the CSV (a spreadsheet adds it up), text in the JSON (exact).
        return Column(
            carried=(value,),
            csv=lambda number: sql("coalesce({}::text, {})", number, EMPTY_CELL),
            json=lambda number: sql("""coalesce('"' || {}::text || '"', 'null')""", number),
        )
    if isinstance(field, models.IntegerField):
        return Column(
            carried=(value,),
            csv=lambda number: sql("coalesce({}::text, {})", number, EMPTY_CELL),
            json=lambda number: sql("coalesce({}::text, 'null')", number),
        )
    if isinstance(field, models.DateField):  # and DateTimeField
        return _quoted(value, _iso_8601)
    if isinstance(field, models.UUIDField):
        return _quoted(value)
    if isinstance(field, models.JSONField):
        # Objects, arrays and true/false as their JSON text; a string on its own as text; a number as such.
        return Column(
            carried=(value,),
            csv=lambda document: sql(
                """CASE jsonb_typeof({}) WHEN 'string' THEN {} WHEN 'number' THEN {}::text WHEN 'null' THEN {}
                ELSE coalesce('"' || replace({}::text, '"', '""') || '"', {}) END""",
                document,
                _text_csv(sql("({} #>> '{}')", document, Sql("{}"))),
                document,
                EMPTY_CELL,
                document,
                EMPTY_CELL,
            ),
            json=lambda document: sql("coalesce({}::text, 'null')", document),
        )
    if isinstance(field, models.CharField | models.TextField):
        return Column(
            carried=(value,),
            csv=lambda text: _coded(text, field, csv_cell, _text_csv(text)),
            json=lambda text: _coded(text, field, json_value, _text_json(text)),
        )
    return None


def _columns(dataset, subject, names_of):
    """Return ``(alias, field, Column)`` for each field of ``dataset``, or None if PostgreSQL cannot write one."""
    columns = []
    for index, field in enumerate(dataset.fields):
        alias = f"portable_{index}"
        column = column_of(field, dataset.declaration.fields[field.name], alias, subject, names_of)
        if column is None:
            return None
        columns.append((alias, field, column))
    return columns


def written_by_database(dataset, subject):
    """Return whether PostgreSQL writes the lines of ``dataset`` (every column has a rule), not Python."""
    return _columns(dataset, subject, lambda field: {}) is not None


def lines_query(dataset, subject, *, known_names=None):
    """Return the query giving each of the subject's rows of ``dataset`` as ``(csv_line, json_line)``, or None.

    The rows come oldest first (by primary key), as the Python writer lists them;
    a CSV line has no line end, a JSON line is one object. Reads, before returning,
    the names of the catalogue rows (courses) the subject's rows reference: one
    query for their keys and one for the rows not in ``known_names``, per such column.

    Args:
        known_names: ``{model: {pk: name}}`` of rows already named, completed here (kinds
            of one copy name the same courses).

    Returns:
        ``Sql``, or None when a column is only written by Python (``column_of``).
    """
    queryset = dataset.declaration.queryset_for(subject).order_by()
    if not written_by_database(dataset, subject):
        return None
    known_names = {} if known_names is None else known_names
    columns = _columns(dataset, subject, lambda field: _referenced_names(queryset, field, known_names))
    stored = queryset.values(portable_pk=models.F("pk"), **{a: models.F(f.attname) for a, f, _ in columns})
    carried, joins, cells, objects = [Sql("r.portable_pk")], [], [], []
    for alias, field, column in columns:
        if column.join is not None:
            joins.append(column.join)
        references = []
        for number, expression in enumerate(column.carried):
            carried.append(sql(f"{{}} AS {alias}_{number}", expression))
            references.append(Sql(f"s.{alias}_{number}"))
        cells.append(column.csv(*references))
        key = json_value(dataset.declaration.column_name(field.name)) + ": "
        objects.append(sql("{} || {}", (", " if objects else "{") + key, column.json(*references)))
    # The rows are sorted carrying little (the inner query, fenced by OFFSET 0), then the lines are made.
    return sql(
        "SELECT {} AS csv_line, {} || '}' AS json_line "
        "FROM (SELECT {} FROM ({}) AS r {} ORDER BY r.portable_pk OFFSET 0) AS s ORDER BY s.portable_pk",
        join(cells, " || ',' || "),
        join(objects, " || "),
        join(carried, ", "),
        Sql(*stored.query.sql_with_params()),
        join(joins, " "),
    )


def _referenced_names(queryset, field, known_names):
    """Return ``{pk: name}`` of the rows ``field`` (a catalogue reference) names in ``queryset``."""
    referenced = queryset.filter(**{f"{field.attname}__isnull": False}).values_list(field.attname, flat=True)
    pks = set(referenced.distinct())
    known = known_names.setdefault(field.related_model, {})
    known.update(reference_names(field.related_model, pks - known.keys()) if pks - known.keys() else {})
    return {pk: known[pk] for pk in pks if pk in known}


def portable_lines(dataset, subject, *, known_names=None, chunk_size=None) -> Iterator[list[tuple[str, str]]] | None:
    """Return the subject's rows of ``dataset`` as chunks of ``(csv_line, json_line)``, written by PostgreSQL, or None.

    Args:
        dataset: a ``datasets.Dataset`` of the portable copy.
        subject: the data subject (a user).
        known_names: as ``lines_query``.
        chunk_size: rows per chunk (``datasets.CHUNK_SIZE`` by default): memory is
            bounded by it, whatever the size of the learner's data.

    Returns:
        an iterator of lists of ``(csv_line, json_line)`` (str), oldest record first,
        one query for the names of each catalogue reference, then one server-side
        cursor read a chunk at a time; or None when Python must write this kind
        (``written_by_database``).
    """
    query = lines_query(dataset, subject, known_names=known_names)
    if query is None:
        return None
    return _fetched(dataset, query, chunk_size or CHUNK_SIZE)


def _fetched(dataset, query, chunk_size):
    connection = connections[dataset.declaration.model._default_manager.db]
    with connection.chunked_cursor() as cursor:
        cursor.execute(query.text, query.params)  # (outside a transaction, the whole result is made here)
        while rows := cursor.fetchmany(chunk_size):
            yield rows


@contextlib.contextmanager
def sort_memory(using=DEFAULT_DB_ALIAS):
    """Let the database sort in ``SORT_MEMORY`` (``work_mem``) meanwhile, then as before: for a copy's queries.

    Two queries before, one after. After an error the setting stays for the rest of
    the session (restoring it could hide the error in an aborted transaction): it
    only lets that connection's sorts use more memory.
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem')")
        (before,) = cursor.fetchone()
        cursor.execute("SELECT set_config('work_mem', %s, false)", [SORT_MEMORY])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, false)", [before])
