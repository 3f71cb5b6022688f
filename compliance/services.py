"""Writes of the audit log, and the lock that orders all work on one data subject."""

from django.contrib.auth import get_user_model

from .audit_context import current_network, current_request_id
from .models import AuditEvent, StaffViewShown
from .selectors import actor_role_of


def data_subject_lock(subject_pk):
    """Lock the data subject's account row until the transaction ends; return whether the account is active.

    The one lock that orders what must not interleave for one learner: an erasure
    takes it first and holds it to its commit (``rights_requests.handlers.erasure``), so a
    request filed or a consent recorded meanwhile waits, then finds the account
    closed; two identical consent choices at once are written once. Call it inside
    ``transaction.atomic``.

    Raises:
        User.DoesNotExist: no such account.
    """
    accounts = get_user_model()._default_manager.select_for_update().filter(pk=subject_pk)
    return accounts.values_list("is_active", flat=True).get()


def audit_record(*, actor, subject, action, changes=None):
    """Append one event to the subject's audit log.

    The actor's role (what the learner is shown), the HTTP request's id and its
    truncated network are filled in from the actor and ``compliance.audit_context``.

    Args:
        actor: the user who acted, or None for the system.
        subject: the data subject (user) the event is about.
        action: an ``AuditEvent.Action``.
        changes: ``{setting: [old, new]}`` or ``{"fields": [names]}``; never
            personal data values or secrets.

    Returns:
        the saved ``AuditEvent``.
    """
    event = AuditEvent(
        actor=actor,
        actor_role=actor_role_of(actor, subject=subject),
        subject=subject,
        action=action,
        changes=changes or {},
        request_id=current_request_id(),
        network=current_network(),
    )
    # The actor and subject are users in hand: the foreign keys (checked by the database) need no query each.
    event.full_clean(exclude=["actor", "subject"])
    event.save()
    return event


def staff_access_record(*, actor, subject, view, request_reference="", shown=""):
    """Record that a staff member opened a learner's personal data (access transparency).

    Args:
        actor: the staff member.
        subject: the learner whose data was shown.
        view: what was opened, in the learner's words, marked with ``gettext_noop``, e.g.
            "your account"; stored in English and shown translated.
        request_reference: the data-rights request they worked on, e.g.
            "DSR-2026-000123", or "" when none.
        shown: "" for the record's page, ``StaffViewShown.HISTORY`` for its change history.

    Returns:
        the ``AuditEvent`` (GDPR Art. 5(2), 32(1)(b): accountability for access).
    """
    changes = {"view": view} | ({"shown": shown} if shown else {})
    changes |= {"request": request_reference} if request_reference else {}
    return audit_record(actor=actor, subject=subject, action=AuditEvent.Action.STAFF_VIEWED, changes=changes)


def staff_access_record_many(*, actor, subjects, view, shown, listed=""):
    """Record that a staff member saw each of ``subjects`` in an admin list or search (access transparency).

    One query for all of them. No data-rights request is named: a list is not
    the work on one learner's request.

    Args:
        actor: the staff member.
        subjects: iterable of users (or user ids) shown.
        view: what each row showed, in the learner's words, marked with ``gettext_noop``,
            e.g. "your account".
        shown: ``StaffViewShown.LIST`` or ``StaffViewShown.SEARCH``; never the search term.
        listed: for a list, its model's label, e.g. "accounts.user".

    Returns:
        int: how many events were written (GDPR Art. 5(2), 32(1)(b)).
    """
    changes = {"view": view, "shown": shown} | ({"list": listed} if shown == StaffViewShown.LIST else {})
    return audit_record_many(actor=actor, subjects=subjects, action=AuditEvent.Action.STAFF_VIEWED, changes=changes)


def audit_record_many(*, actor, subjects, action, changes=None):
    """Append the same event to the audit log of each of ``subjects`` in one query.

    For jobs that touch many learners at once (a partner roster, the research
    dataset).

    Args:
        actor: the user who ran the job, or None for a scheduled or command-line run.
        subjects: iterable of users (or user ids).
        action, changes: as for ``audit_record``.

    Returns:
        int: how many events were written.
    """
    role = actor_role_of(actor, subject=None)
    events = [
        AuditEvent(
            actor=actor,
            actor_role=role,
            subject_id=getattr(subject, "pk", subject),
            action=action,
            changes=changes or {},
            request_id=current_request_id(),
            network=current_network(),
        )
        for subject in subjects
    ]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)
