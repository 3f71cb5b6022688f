"""Trigram indexes that let the erasure receipt's scan reach free text in everyone's rows.

A free-text column (a bio, a staff note, a course's description) may name any learner, so
the scan searches it in every row. With two ``pg_trgm`` GIN indexes per column it reads only
the rows that may hold an identifier, however many rows there are:

- ``UPPER(column)``: the expression Django's ``icontains`` compares on PostgreSQL
  (``UPPER(col::text) LIKE UPPER('%noor%')``), for an email, a username or a name;
- ``Digits(column)``: the column's digits alone, for a phone number, which people write with
  spaces, dots or dashes anywhere ("+44 7700-900 456"): its digits stand together there.

Each model declares them in ``Meta.indexes`` with ``free_text_indexes``; the extension is
created by compliance's migration 0002, which every migration adding such an index follows.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper

#: PostgreSQL's index names are at most this long (Django refuses longer ones).
INDEX_NAME_MAX = 30


class Digits(models.Func):
    """The text's digits alone, in order: ``Digits("bio")`` of "+44 7700-900 456" is "447700900456"."""

    template = "regexp_replace(%(expressions)s, '[^0-9]', '', 'g')"
    output_field = models.TextField()


def free_text_indexes(prefix, *fields):
    """Return the trigram indexes the erasure scan uses on ``fields``, two per field.

    Args:
        prefix: a short name of the model's table, e.g. ``"acc_profile"``: index names are
            ``<prefix>_<first 10 letters of the field>_text`` and ``…_digits``.
        fields: names of the model's text fields declared free text in the registry.

    Returns:
        list of ``GinIndex`` for ``Meta.indexes``.

    Raises:
        ValueError: an index name would be too long for PostgreSQL, or two would be the same.
    """
    indexes = []
    for field in fields:
        for kind, expression in (("text", Upper(field)), ("digits", Digits(field))):
            name = f"{prefix}_{field[:10].rstrip('_')}_{kind}"
            if len(name) > INDEX_NAME_MAX or name in {index.name for index in indexes}:
                raise ValueError(f"Index name {name!r} is too long or taken twice: choose a shorter prefix.")
            indexes.append(GinIndex(OpClass(expression, name="gin_trgm_ops"), name=name))
    return indexes
