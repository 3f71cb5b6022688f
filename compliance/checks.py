"""System checks that keep the personal-data registry complete and true."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.functions import Upper

from learnerportal.encryption import EncryptedFieldMixin

from .registry import Anonymize, Delete, Retain, registry
from .search import Digits, SearchTokensModel, encrypted_free_text_without_tokens, search_tokens_fields

#: The shape of file and column names in a portable copy.
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def models_about_users(models):
    """Return the models among ``models`` that reference the user, directly or through others.

    A model references the user when one of its foreign keys, one-to-one or
    many-to-many fields points at the user model or at a model that does.

    Args:
        models: iterable of model classes (the user model may be among them);
            chains through any installed model count.

    Returns:
        set of model classes, the user model included when it was given.
    """
    candidates = set(models)
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    # Chains may pass through models outside ``models`` (e.g. another app's).
    universe = candidates | set(apps.get_models())
    linked = {user_model}
    changed = True
    while changed:
        changed = False
        for model in universe - linked:
            for model_field in _forward_fields(model):
                if model_field.is_relation and model_field.related_model in linked:
                    linked.add(model)
                    changed = True
                    break
    return linked & candidates


def _forward_fields(model):
    """Return the model's own columns and many-to-many fields (no reverse relations)."""
    return [*model._meta.fields, *model._meta.many_to_many]


def _lookup_error(declaration):
    """Return why ``declaration.subject_lookup`` does not lead to the user model, or None."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    target = declaration.model
    parts = [part for part in declaration.subject_lookup.split("__") if part]
    for index, part in enumerate(parts):
        try:
            step = target._meta.get_field(part)
        except FieldDoesNotExist:
            return f"{target._meta.label} has no field {part!r}"
        if declaration.subject_field and index == len(parts) - 1:
            if not hasattr(user_model, declaration.subject_field):
                return f"the user model has no attribute {declaration.subject_field!r}"
            return None  # compared with a value of the user, not followed as a relation
        if not step.is_relation:
            return f"{target._meta.label}.{part} is not a relation"
        target = step.related_model
    if target is not user_model:
        return f"the lookup ends at {target._meta.label}, not at the user model"
    return None


def declaration_errors(declaration):
    """Return the check errors of one registry declaration (empty list when sound)."""
    errors = []

    def refuse(message, *, code, hint=None):
        errors.append(checks.Error(message, hint=hint, obj=declaration.model, id=code))

    label = declaration.model._meta.label
    model_fields = {f.name for f in _forward_fields(declaration.model)}
    declared = set(declaration.fields) | set(declaration.other_fields)
    for name in sorted(declared - model_fields):
        refuse(
            f"{label} declares field {name!r}, which the model does not have.",
            hint="Remove it from the declaration or fix its name.",
            code="compliance.E002",
        )
    for name in sorted(model_fields - declared):
        refuse(
            f"{label}.{name} is not classified in the personal-data registry.",
            hint=(
                f"Add it to 'fields' (with a category) or to 'other_fields' in "
                f"{declaration.model._meta.app_label}/personal_data.py."
            ),
            code="compliance.E003",
        )
    problem = _lookup_error(declaration)
    if problem:
        refuse(
            f"{label} subject_lookup {declaration.subject_lookup!r} is wrong: {problem}.",
            code="compliance.E004",
        )
    rule = declaration.erasure
    replaced = rule.replacements if isinstance(rule, Anonymize) else rule.strip if isinstance(rule, Retain) else {}
    for name in sorted(set(replaced) - set(declaration.fields)):
        refuse(
            f"{label} erasure rule replaces {name!r}, which is not a declared personal field.",
            code="compliance.E005",
        )
    for name, personal in sorted(declaration.fields.items()):
        if name not in model_fields:
            continue
        encrypted = isinstance(declaration.model._meta.get_field(name), EncryptedFieldMixin)
        if personal.sensitive and not encrypted:
            refuse(
                f"{label}.{name} is marked sensitive but is not encrypted at rest.",
                hint="Use learnerportal.encryption.EncryptedCharField or EncryptedDateField (GDPR Art. 32(1)(a)).",
                code="compliance.E007",
            )
    model_purposes = {processing.purpose for processing in declaration.processing}
    for name, personal in sorted(declaration.fields.items()):
        for purpose in sorted(set(personal.purposes) - model_purposes):
            refuse(
                f"{label}.{name} is declared for purpose {purpose!r}, which {label} is not processed for.",
                hint="A field's purposes narrow its model's 'processing'; add the purpose there or remove it.",
                code="compliance.E008",
            )
    for name, personal in sorted(declaration.fields.items()):
        for recipient in sorted(set(personal.recipients) - set(declaration.recipients)):
            refuse(
                f"{label}.{name} is declared for recipient {recipient!r}, whom {label} is not given to.",
                hint="A field's recipients narrow its model's 'recipients'; add the recipient there or remove it.",
                code="compliance.E011",
            )
    if declaration.listed_by and not (
        declaration.listed_by in declaration.fields
        and declaration.listed_by in model_fields
        and isinstance(declaration.model._meta.get_field(declaration.listed_by), models.DateField)
    ):
        refuse(
            f"{label} is listed by {declaration.listed_by!r}, which is not a declared date or time field.",
            hint="Name the declared field that tells when each row happened, or leave listed_by empty.",
            code="compliance.E012",
        )
    for name, personal in sorted(declaration.fields.items()):
        if name not in model_fields:
            continue
        if isinstance(declaration.model._meta.get_field(name), models.TextField) and not personal.free_text:
            refuse(
                f"{label}.{name} is a text field not declared as free text.",
                hint="Text people or clients write may name the data subject: declare it free_text=True.",
                code="compliance.E009",
            )
        if personal.free_text and not isinstance(rule, Delete) and name not in replaced:
            refuse(
                f"{label}.{name} is free text kept after erasure as it is.",
                hint="Replace it in the erasure rule, or Redact() it to keep the text without the subject's "
                "identifiers (GDPR Art. 17(1)).",
                code="compliance.E010",
            )
    columns = [declaration.column_name(name) for name in declaration.fields]
    for name in sorted({*columns, declaration.records_name}):
        if not SNAKE_CASE.fullmatch(name):
            refuse(
                f"{label} names {name!r} in portable copies, which is not snake_case.",
                hint="Set export_name to lower-case words joined by underscores, e.g. 'quiz_results'.",
                code="compliance.E013",
            )
    for name in sorted({column for column in columns if columns.count(column) > 1}):
        refuse(
            f"{label} has two columns named {name!r} in portable copies.",
            hint="Give one of the fields another export_name.",
            code="compliance.E014",
        )
    if isinstance(rule, Retain) and not rule.reason.strip():
        refuse(
            f"{label} is retained on erasure without a legal reason.",
            hint="GDPR Art. 17(3) lists the exceptions; name the one that applies.",
            code="compliance.E006",
        )
    return errors


def undeclared_model_errors(models):
    """Return an error for each model in ``models`` that references the user but is not declared."""
    return [
        checks.Error(
            f"{model._meta.label} references the user but is not declared in the personal-data registry.",
            hint=f"Declare it in {model._meta.app_label}/personal_data.py (see privacy/registry.py).",
            obj=model,
            id="compliance.E001",
        )
        for model in sorted(models_about_users(models), key=lambda m: m._meta.label)
        if model not in registry
    ]


def records_name_errors():
    """Return an error for each name that two declarations give their records' files in a portable copy."""
    owners = {}
    for declaration in registry:
        owners.setdefault(declaration.records_name, []).append(declaration.model._meta.label)
    return [
        checks.Error(
            f"{' and '.join(labels)} both write {name}.csv and {name}.json in portable copies.",
            hint="Give one of them another export_name.",
            obj=name,
            id="compliance.E015",
        )
        for name, labels in sorted(owners.items())
        if len(labels) > 1
    ]


def _is_text(model_field):
    """Return whether a field holds text anyone may write: a ``TextField``, or a ``CharField`` without choices."""
    return isinstance(model_field, models.TextField | models.CharField) and not model_field.choices


def _trigram_indexed(model):
    """Return ``{(field name, "text" | "digits")}`` of the trigram indexes in ``model``'s ``Meta.indexes``."""
    indexed = set()
    for index in model._meta.indexes:
        if not isinstance(index, GinIndex) or len(index.expressions) != 1:
            continue
        opclass = index.expressions[0]
        if not isinstance(opclass, OpClass) or opclass.extra.get("name") != "gin_trgm_ops":
            continue
        (function,) = opclass.get_source_expressions()
        (column,) = function.get_source_expressions()
        kind = "text" if isinstance(function, Upper) else "digits" if isinstance(function, Digits) else None
        if kind and isinstance(column, models.F):
            indexed.add((column.name, kind))
    return indexed


def free_text_errors(models):
    """Return an error for each free-text column of ``models`` the erasure receipt's scan would not know of.

    The scan searches the free text of everyone's rows only where the registry declares
    it: a ``PersonalField(free_text=True)``, or a ``SharedText`` on a model about no one.
    A text column (``TextField``, or ``CharField`` without choices) must be one of those,
    or a ``PersonalField`` of a declared model (its own subject's data, searched in the
    erased subject's rows): compliance.E016. A declared free-text column that is not
    encrypted needs its two trigram indexes (``compliance.search.free_text_indexes``),
    or every erasure reads the whole table: compliance.E017. An encrypted one needs a
    ``SearchTokensField`` with its indexes and trigger, on a ``SearchTokensModel``, or every
    erasure decrypts the whole table (and stale tokens could hide a row): compliance.E018.

    Args:
        models: iterable of model classes, e.g. those of the project's own apps.

    Returns:
        list of ``checks.Error``.
    """
    shared = {text.model: set(text.fields) for text in registry.shared_text()}
    errors = []
    for model in models:
        declaration = registry.get(model)
        free = set(shared.get(model, ()))
        if declaration is not None:
            free |= {name for name, personal in declaration.fields.items() if personal.free_text}
        label = model._meta.label
        for model_field in model._meta.concrete_fields:
            if not _is_text(model_field):
                continue
            name = model_field.name
            declared = name in free or (declaration is not None and name in declaration.fields)
            if not declared:
                errors.append(
                    checks.Error(
                        f"{label}.{name} is free text the personal-data registry does not declare: the erasure "
                        "receipt's scan would not search it.",
                        hint=(
                            f"In {model._meta.app_label}/personal_data.py declare it a PersonalField (free_text=True "
                            "if people write it freely and it may name anyone) or, on a model about no one, list it "
                            "in a SharedText; give free text free_text_indexes() in Meta.indexes. A column of fixed "
                            "values takes choices."
                        ),
                        obj=model,
                        id="compliance.E016",
                    )
                )
            elif name in free and not isinstance(model_field, EncryptedFieldMixin):
                missing = {"text", "digits"} - {kind for field, kind in _trigram_indexed(model) if field == name}
                if missing:
                    errors.append(
                        checks.Error(
                            f"{label}.{name} is free text without its trigram indexes: every erasure would read "
                            "the whole table.",
                            hint=f'Add *free_text_indexes("<short table name>", "{name}") to {label}\'s Meta.indexes '
                            "(compliance/search.py) and make the migration.",
                            obj=model,
                            id="compliance.E017",
                        )
                    )
        errors += search_tokens_errors(model, free)
    return errors


def search_tokens_errors(model, free):
    """Return compliance.E018 for each encrypted field among ``free`` (names) that its blind index does not cover."""
    label = model._meta.label
    problems = [
        f"{label}.{name} is encrypted free text without a SearchTokensField"
        for name in encrypted_free_text_without_tokens(model, free)
    ]
    fields = search_tokens_fields(model)
    if fields and not issubclass(model, SearchTokensModel):
        problems.append(f"{label} has search tokens but does not subclass SearchTokensModel")
    triggers = {trigger.name for trigger in getattr(model._meta, "triggers", ())}
    indexes = {index.name for index in model._meta.indexes}
    for field in fields:
        suffix = f"_{field.name[:10]}"
        prefixes = [name.removesuffix(f"{suffix}_stale") for name in triggers if name.endswith(f"{suffix}_stale")]
        if not any({f"{prefix}{suffix}_tok", f"{prefix}{suffix}_nul"} <= indexes for prefix in prefixes):
            problems.append(f"{label}.{field.name} lacks search_tokens_indexes() or search_tokens_trigger()")
    return [
        checks.Error(
            f"{problem}: every erasure would decrypt the whole table, or stale tokens could hide a row.",
            hint="See compliance/search.py: SearchTokensField, SearchTokensModel, search_tokens_indexes and "
            "search_tokens_trigger, then make the migration.",
            obj=model,
            id="compliance.E018",
        )
        for problem in problems
    ]


def _our_models(models):
    """Return the models among ``models`` whose app is the project's own, not Django's or a library's."""
    base = Path(settings.BASE_DIR)
    return [
        model
        for model in models
        if Path(model._meta.app_config.path).is_relative_to(base)
        and not {"site-packages", "dist-packages"} & set(Path(model._meta.app_config.path).parts)
    ]


def check_personal_data_registry(app_configs=None, **kwargs):
    """Fail when a model about users is undeclared or a declaration does not match its model."""
    if app_configs is None:
        models = apps.get_models()
    else:
        models = [model for app_config in app_configs for model in app_config.get_models()]
    errors = undeclared_model_errors(models) + records_name_errors() + free_text_errors(_our_models(models))
    for declaration in registry:
        if app_configs is None or declaration.model in models:
            errors.extend(declaration_errors(declaration))
    return errors
