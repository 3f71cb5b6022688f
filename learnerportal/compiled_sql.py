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

#: Values no query holds by chance, standing for the caller's values while the query is compiled.
_MARKER_BASE = -7_345_812_903


class CompiledQuery:
    """A read built by the ORM, compiled to SQL at its first use in a process, then only run.

    ``build`` takes keyword arguments (integers, e.g. a user's id) and returns a
    ``values_list()`` queryset; it is called once, with markers standing for the
    values, and every value must reach the SQL as a parameter of its own (a filter
    such as ``user_id=user_id``), or compiling fails. Each row goes through the
    converters Django would apply (e.g. an aggregate's type, an encrypted field's
    decryption), so it is what the queryset would have returned.

    Example::

        _LATEST = CompiledQuery(lambda user_id: Consent.objects.filter(user_id=user_id).values_list("purpose"))
        rows = _LATEST.rows(user_id=user.pk)  # [("research",), ...]
    """

    def __init__(self, build):
        self._build = build
        self._compiled = {}  # {(alias, names): (sql, params, slots)}

    def _compile(self, names):
        markers = {name: _MARKER_BASE - number for number, name in enumerate(names)}
        queryset = self._build(**markers)
        alias = queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        converters = [(index, *converter) for index, converter in compiler.get_converters(columns).items()]
        slots = [(index, name) for index, param in enumerate(params) for name in names if param == markers[name]]
        missing = set(names) - {name for _, name in slots}
        if missing:
            raise ImproperlyConfigured(f"CompiledQuery: {sorted(missing)} do not reach the SQL as parameters.")
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
