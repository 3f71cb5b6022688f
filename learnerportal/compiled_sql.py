"""Reads whose SQL the ORM compiles once per process; each call only binds its values and runs it.

Building and compiling a query with subqueries or window functions costs Django a few
milliseconds of Python, often far more than PostgreSQL takes to answer it: on a page a
learner opens often (the Privacy tab), two such reads cost more than the rest of the view.
The SQL depends only on the code (models and the query's shape), so it is compiled
once per process and database alias, from the queryset itself: the ORM stays the only
place the query's rules are written.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import connections

#: The values the query is compiled with, twice: the parameters that differ between the two are the caller's.
#: Small enough for every integer field (Django refuses out-of-range values before the database sees them).
_FIRST, _SECOND = 1_001, 2_001


class CompiledQuery:
    """A read built by the ORM, compiled to SQL at its first use in a process, then only run.

    ``build`` takes keyword arguments (integers, e.g. a user's id) and returns a
    ``values_list()`` queryset; it is called twice, with different stand-in values,
    and every value must reach the SQL as a parameter of its own (a filter such as
    ``user_id=user_id``; not a slice, which Django writes into the SQL), or compiling
    fails. Each row goes through the converters Django would apply (e.g. an
    aggregate's type, an encrypted field's decryption), so it is what the queryset
    would have returned.

    Example::

        _LATEST = CompiledQuery(lambda user_id: Consent.objects.filter(user_id=user_id).values_list("purpose"))
        rows = _LATEST.rows(user_id=user.pk)  # [("research",), ...]
    """

    def __init__(self, build):
        self._build = build
        self._compiled = {}  # {names: (alias, sql, params, slots, converters)}

    def _compile(self, names):
        compiled = []
        for base in (_FIRST, _SECOND):
            stand_ins = {name: base + number for number, name in enumerate(names)}
            queryset = self._build(**stand_ins)
            compiler = queryset.query.get_compiler(using=queryset.db)
            compiled.append((stand_ins, queryset.db, compiler, *compiler.as_sql()))
        (first, alias, compiler, sql, params), (second, _, _, other_sql, other_params) = compiled
        if sql != other_sql or len(params) != len(other_params):
            raise ImproperlyConfigured("CompiledQuery: the values change the SQL, not only its parameters.")
        slots = []
        for index, (one, other) in enumerate(zip(params, other_params, strict=True)):
            if one != other:
                slots.extend((index, name) for name in names if (one, other) == (first[name], second[name]))
        if len(slots) != sum(one != other for one, other in zip(params, other_params, strict=True)):
            raise ImproperlyConfigured("CompiledQuery: a parameter follows the values in a way it cannot repeat.")
        missing = set(names) - {name for _, name in slots}
        if missing:
            raise ImproperlyConfigured(f"CompiledQuery: {sorted(missing)} do not reach the SQL as parameters.")
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        converters = [(index, *converter) for index, converter in compiler.get_converters(columns).items()]
        return alias, sql, tuple(params), slots, converters

    def rows(self, **values):
        """Run the query with ``values`` (non-null integers, as the markers were) and return its rows.

        Returns:
            list of tuples, in the ``values_list()`` order, as the queryset would return them.
        """
        names = tuple(sorted(values))
        if any(not isinstance(value, int) for value in values.values()):
            raise TypeError("CompiledQuery binds integers only (a null would change the SQL).")
        compiled = self._compiled.get(names)
        if compiled is None:
            compiled = self._compiled[names] = self._compile(names)
        alias, sql, params, slots, converters = compiled
        params = list(params)
        for index, name in slots:
            params[index] = values[name]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for index, functions, column in converters:  # as SQLCompiler.apply_converters
                for function in functions:
                    row[index] = function(row[index], column, connection)
            converted.append(tuple(row))
        return converted
