"""Erasure of a data subject, driven by the personal-data registry (GDPR Art. 17).

One transaction applies each declaration's rule — delete, anonymise, or retain
stripped of identity — to the subject's rows, then anonymises and deactivates
the account itself. Files and sessions go after the commit. A scan of every
table then looks for the identifiers the account had (email, username, full
name, phone) and its result is the erasure receipt.
"""

import pgtrigger
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone

from .registry import Anonymize, Delete, Retain, registry

#: Identifiers shorter than this are not searched for by the receipt scan: they would match
#: unrelated text ("al", "li") and tell nothing.
SCAN_MIN_LENGTH = 4


def _identifiers(subject):
    profile = getattr(subject, "profile", None)
    values = {
        "email": subject.email,
        "username": subject.username,
        "full name": getattr(profile, "full_name", ""),
        "phone": getattr(profile, "phone", ""),
    }
    return {kind: value for kind, value in values.items() if value and len(value) >= SCAN_MIN_LENGTH}


def _apply(rows, replacements):
    """Set ``replacements`` on every row; callables get the row and return the value."""
    if not any(callable(value) for value in replacements.values()):
        return rows.update(**replacements)
    count = 0
    for row in rows:
        for name, value in replacements.items():
            setattr(row, name, value(row) if callable(value) else value)
        row.save(update_fields=list(replacements))
        count += 1
    return count


def _erase_declared_rows(subject):
    """Apply every declaration's rule except the user model's own; return ``{label: (rule, rows)}``."""
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
            count = rows.count()
            rows.delete()
            outcome[declaration.label] = ("deleted", count)
        elif isinstance(rule, Anonymize):
            outcome[declaration.label] = ("anonymised", _apply(rows, rule.replacements))
        elif isinstance(rule, Retain):
            stripped = _apply(rows, rule.strip) if rule.strip else rows.count()
            outcome[declaration.label] = ("retained", stripped)
    return outcome


def erasure_scan(identifiers):
    """Look in every text column of every table for the erased identifiers.

    Args:
        identifiers: ``{kind: value}``, e.g. ``{"email": "noor@example.org"}``.

    Returns:
        list of ``{"table", "column", "identifier", "rows"}`` (the identifier's kind,
        never its value); empty when nothing is left.
    """
    findings = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            queryset = model._default_manager.annotate(_text=Cast(field.attname, models.TextField()))
            for kind, value in identifiers.items():
                count = queryset.filter(_text__icontains=value).count()
                if count:
                    findings.append(
                        {"table": model._meta.db_table, "column": field.column, "identifier": kind, "rows": count}
                    )
    return findings


def erasure_execute(*, subject):
    """Erase ``subject`` per the registry, then scan for what is left; return the receipt.

    In one transaction: every declared model's rows about the subject are
    deleted, anonymised or retained stripped of identity (the consent ledger's
    append-only trigger is lifted for this one purpose); staff-admin log entries
    about the account lose its name; the account is anonymised and deactivated;
    its sessions end. After the commit the photo file is deleted from storage.

    Returns:
        dict: ``erased_at`` (ISO time), ``records`` (``{model label: [what, rows]}``),
        ``scan`` (findings of ``erasure_scan``; empty means no old identifier remains).
    """
    identifiers = _identifiers(subject)
    profile = getattr(subject, "profile", None)
    photo_name = profile.photo.name if profile is not None and profile.photo else ""
    with transaction.atomic(), pgtrigger.ignore("privacy.Consent:append_only"):
        Session.objects.filter(user_session__user=subject).delete()
        records = _erase_declared_rows(subject)
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk)
        ).update(object_repr="(erased account)", change_message="")
        user_declaration = registry.get(type(subject))
        for name, value in user_declaration.erasure.replacements.items():
            setattr(subject, name, value(subject) if callable(value) else value)
        subject.is_active = False
        subject.is_staff = False
        subject.is_superuser = False
        subject.save()
        subject.groups.clear()
        subject.user_permissions.clear()
        records[user_declaration.label] = ("anonymised", 1)
        if photo_name:
            transaction.on_commit(lambda: default_storage.delete(photo_name))
    return {
        "erased_at": timezone.now().isoformat(),
        "records": {label: list(result) for label, result in records.items()},
        "scan": erasure_scan(identifiers),
    }
