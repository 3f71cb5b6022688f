"""The data subject's declared data, read in chunks: what the access report and the portable copy write.

Both documents are generated from the personal-data registry and must not hold
a learner's whole history in memory (a learner may have 100,000 learning events
and more). This module reads each declared model's rows as plain value tuples,
a chunk at a time, with the names of referenced catalogue rows (courses,
partners) looked up once per chunk, and counts the rows beforehand so that the
work can report its progress.
"""

import itertools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models

from compliance.registry import Category, ModelDeclaration, registry

#: Rows read from the database at a time: memory is bounded by this, not by the learner's data.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Dataset:
    """The exportable fields of one declared model that belong to one category.

    Attributes:
        declaration: the model's registry declaration.
        fields: the model fields, in declaration order; never a field declared
            ``exportable=False`` (password hash, authenticator key, backup-code digests).
    """

    declaration: ModelDeclaration
    fields: tuple[models.Field, ...]

    @property
    def names(self):
        """Return the field names, e.g. ``("course", "event_type", "occurred_at")``."""
        return tuple(field.name for field in self.fields)


def datasets_by_category():
    """Return the exportable datasets of the registry grouped by category.

    Returns:
        list of ``(Category, [Dataset, ...])`` in ``Category`` order; categories
        without any exportable field are left out.
    """
    sections = []
    for category in Category:
        datasets = []
        for declaration in registry:
            names = [
                name
                for name, personal in declaration.fields.items()
                if personal.category == category and personal.exportable  # SECURITY: no hashes or secrets
            ]
            if names:
                fields = tuple(declaration.model._meta.get_field(name) for name in names)
                datasets.append(Dataset(declaration=declaration, fields=fields))
        if datasets:
            sections.append((category, datasets))
    return sections


def portable_datasets():
    """Return one dataset per declared model for the portable copy, in registration order (GDPR Art. 20).

    Returns:
        list of ``Dataset``: the fields declared ``exportable`` and ``portable``, in
        their declared order; a model without any such field is left out.
    """
    datasets = []
    for declaration in registry:
        names = [
            name
            for name, personal in declaration.fields.items()
            if personal.exportable and personal.portable  # SECURITY: no hashes or secrets
        ]
        if names:
            fields = tuple(declaration.model._meta.get_field(name) for name in names)
            datasets.append(Dataset(declaration=declaration, fields=fields))
    return datasets


def dataset_row_count(dataset, subject):
    """Return how many rows ``dataset`` holds about ``subject`` (one ``COUNT`` query)."""
    return dataset.declaration.queryset_for(subject).count()


def is_person(field):
    """Return True if ``field`` refers to a user: the subject, or another person such as a staff member."""
    return isinstance(field, models.ForeignKey) and field.related_model is get_user_model()


def reference_names(model, pks):
    """Return ``{pk: str(row)}`` for the ``model`` rows (courses, partners, enrollments) with the given keys.

    One query: the rows come with the rows they must reference, which their names
    may read (an enrollment is named by its course), but not with people: a name
    never says who.

    Args:
        model: the referenced model (a catalogue, never a person).
        pks: an iterable of primary keys, or a queryset of them.
    """
    required = [
        field.name
        for field in model._meta.concrete_fields
        if field.many_to_one and not field.null and not is_person(field)
    ]
    return {pk: str(row) for pk, row in model._base_manager.select_related(*required).in_bulk(pks).items()}


def _order(declaration, newest_first):
    if not newest_first:
        return ("pk",)
    if declaration.listed_by:
        return (models.F(declaration.listed_by).desc(nulls_last=True), "-pk")
    return ("-pk",)


def dataset_rows(dataset, subject, *, chunk_size=CHUNK_SIZE, newest_first=False):
    """Yield the rows of ``dataset`` about ``subject`` as value tuples, oldest record first unless ``newest_first``.

    Values are as the database driver returns them (``datetime``, ``Decimal``,
    ``dict`` …), with three exceptions: a reference to a catalogue row (a course,
    a partner) is replaced by that row's name; a reference to a person stays
    the person's primary key, for the caller to turn into "you" or "staff" —
    never another person's name; and a field declared with ``export_as`` gives
    what that function makes of the value (a network instead of an IP address).
    One query per chunk for the rows, plus one per chunk and referenced model
    for names not seen before.

    Args:
        newest_first: list by the declaration's ``listed_by`` field, newest first
            (rows without that date last), then the newest made first; as people
            read lists (the access report).

    Yields:
        tuple, one value per field of ``dataset.fields``.
    """
    columns = [field.attname for field in dataset.fields]
    references = [
        (index, field.related_model)
        for index, field in enumerate(dataset.fields)
        if isinstance(field, models.ForeignKey) and not is_person(field)
    ]
    names = {model: {} for _, model in references}
    presented = [
        (index, dataset.declaration.fields[field.name].export_as)
        for index, field in enumerate(dataset.fields)
        if dataset.declaration.fields[field.name].export_as is not None
    ]
    queryset = dataset.declaration.queryset_for(subject).order_by(*_order(dataset.declaration, newest_first))
    queryset = queryset.values_list(*columns)
    for chunk in itertools.batched(queryset.iterator(chunk_size=chunk_size), chunk_size):
        for index, model in references:
            known = names[model]
            missing = {row[index] for row in chunk if row[index] is not None} - known.keys()
            if missing:
                known.update(reference_names(model, missing))
        if not references and not presented:
            yield from chunk
            continue
        for row in chunk:
            row = list(row)
            for index, model in references:
                if row[index] is not None:
                    row[index] = names[model][row[index]]
            for index, export_as in presented:
                if row[index] is not None:
                    row[index] = export_as(row[index])
            yield tuple(row)
