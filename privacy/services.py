"""Writes of the privacy app: visibility settings and the audit log."""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from .exceptions import InvalidAudience
from .models import Audience, AuditEvent, ProfileVisibility


def audit_record(*, actor, subject, action, changes=None):
    """Append one event to the subject's audit log.

    Args:
        actor: the user who acted, or None for the system.
        subject: the data subject (user) the event is about.
        action: an ``AuditEvent.Action``.
        changes: ``{setting: [old, new]}`` or ``{"fields": [names]}``; never
            personal data values or secrets.

    Returns:
        the saved ``AuditEvent``.
    """
    event = AuditEvent(actor=actor, subject=subject, action=action, changes=changes or {})
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def profile_visibility_update(*, actor, subject, audiences: Mapping[str, str]):
    """Set who may see each named profile field and mark the settings as reviewed now.

    Saving counts as a review even when nothing changed, so the Privacy tab can
    show when the learner last looked (GDPR Art. 25(2): defaults stay private
    until the learner chooses).

    Args:
        actor: the user making the change (the subject, or staff on their behalf).
        subject: the learner whose profile it is.
        audiences: ``{field: audience}`` for some or all of
            ``ProfileVisibility.FIELDS``; audiences are ``Audience`` values.

    Returns:
        the saved ``ProfileVisibility``.

    Raises:
        InvalidAudience: for an unknown field name or audience; nothing is saved.
    """
    for name, audience in audiences.items():
        if name not in ProfileVisibility.FIELDS:
            raise InvalidAudience(f"{name!r} is not a profile field with a visibility setting.", field=name)
        if audience not in Audience.values:
            raise InvalidAudience(
                f"{audience!r} is not an audience: use one of {', '.join(Audience.values)}.", field=name
            )
    visibility, _ = ProfileVisibility.objects.select_for_update().get_or_create(user=subject)
    changes = {}
    for name, audience in audiences.items():
        old = getattr(visibility, name)
        if old != audience:
            changes[name] = [old, audience]
            setattr(visibility, name, audience)
    visibility.reviewed_at = timezone.now()
    visibility.full_clean()
    visibility.save()
    audit_record(
        actor=actor,
        subject=subject,
        action=AuditEvent.Action.VISIBILITY_CHANGED if changes else AuditEvent.Action.VISIBILITY_REVIEWED,
        changes=changes,
    )
    return visibility
