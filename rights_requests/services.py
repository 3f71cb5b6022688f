"""Writes of the rights_requests app: every step of a request is one function here.

Each step locks the request row (``select_for_update``) so that two staff members
acting at once cannot both succeed, checks the step against ``workflow.TRANSITIONS``
and the actor's permissions, writes a ``RequestEvent``, and hands follow-up work
(emails, processing) to background tasks after the transaction commits.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.services import PROFILE_EDITABLE_FIELDS, profile_changes_validate
from compliance.erasure import erasure_leftover_redact, erasure_leftovers, findings_by_column, leftover_findings
from compliance.exceptions import LeftoverNotRedactable
from compliance.models import AuditEvent
from compliance.services import audit_record, data_subject_lock
from privacy.models import CONSENT_PURPOSES
from privacy.services import restriction_lift, restriction_start

from . import conf
from .deadlines import due_at_for, extended_due_at
from .exceptions import (
    AccountClosed,
    DuplicateOpenRequest,
    InvalidRequestDetails,
    LeaseLost,
    NotPermitted,
    TransitionNotAllowed,
)
from .models import OPEN_STATUSES, RequestEvent, RequestType, RightsRequest, Status
from .workflow import TRANSITIONS

WORK = "rights_requests.work_rightsrequest"
DECIDE_ERASURE = "rights_requests.decide_erasure"
EXTEND_DEADLINE = "rights_requests.extend_deadline"

#: Purposes a learner may object to (GDPR Art. 21): the optional ones, not needed to run their courses.
OBJECTABLE_PURPOSES = tuple(CONSENT_PURPOSES)
#: Profile fields a learner may ask staff to correct (GDPR Art. 16).
RECTIFIABLE_FIELDS = PROFILE_EDITABLE_FIELDS
DETAIL_TEXT_MAX = 2000


def _text(value, name, *, required):
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidRequestDetails(f"{name} must be text.", field=name)
    value = value.strip()
    if required and not value:
        raise InvalidRequestDetails("Please fill this in.", field=name)
    if len(value) > DETAIL_TEXT_MAX:
        raise InvalidRequestDetails(f"Keep it to {DETAIL_TEXT_MAX} characters or fewer.", field=name)
    return value


def clean_request_details(request_type, details, *, subject=None):
    """Return the details of a new request, validated and normalised for its type.

    Args:
        request_type: a ``RequestType`` value.
        subject: the data subject; when given, proposed corrections are checked
            with the same rules as the Account tab ("" asks to clear a field).
        details: dict from a form or API. Per type:
            rectification ``{"changes": {field: new value}, "note": str}``
            (fields from ``RECTIFIABLE_FIELDS``; at least one, or a note);
            objection ``{"purposes": [purpose, ...], "note": str}`` (from
            ``OBJECTABLE_PURPOSES``, at least one); restriction ``{"reason": str}``
            (required, GDPR Art. 18(1)); access, portability, erasure ``{"note": str}``.

    Returns:
        a new dict with only the keys the type uses.

    Raises:
        InvalidRequestDetails: naming the offending key in ``field``.
    """
    if request_type not in RequestType.values:
        raise InvalidRequestDetails(f"{request_type!r} is not a type of request.", field="type")
    if not isinstance(details, dict):
        raise InvalidRequestDetails("Details must be an object.", field="details")
    note = _text(details.get("note"), "note", required=False)
    if request_type == RequestType.RECTIFICATION:
        changes = details.get("changes") or {}
        if not isinstance(changes, dict) or not (changes or note):
            raise InvalidRequestDetails(
                "Give the corrected value of at least one field, or describe the correction in the note.",
                field="changes",
            )
        unknown = sorted(set(changes) - set(RECTIFIABLE_FIELDS))
        if unknown:
            raise InvalidRequestDetails(
                f"These fields cannot be corrected here: {', '.join(unknown)}.", field="changes"
            )
        cleaned = {name: _text(value, name, required=False) for name, value in changes.items()}
        if subject is not None:
            try:
                profile_changes_validate(user=subject, changes=cleaned)
            except ValidationError as error:
                name, messages = next(iter(error.message_dict.items()))
                raise InvalidRequestDetails(messages[0], field=name) from None
        return {"changes": cleaned, "note": note}
    if request_type == RequestType.OBJECTION:
        purposes = details.get("purposes")
        if not isinstance(purposes, list) or not purposes:
            raise InvalidRequestDetails("Choose at least one use of your data to object to.", field="purposes")
        unknown = sorted(set(map(str, purposes)) - set(OBJECTABLE_PURPOSES))
        if unknown:
            raise InvalidRequestDetails(f"Unknown purposes: {', '.join(unknown)}.", field="purposes")
        return {"purposes": [p for p in OBJECTABLE_PURPOSES if p in purposes], "note": note}
    if request_type == RequestType.RESTRICTION:
        return {"reason": _text(details.get("reason"), "reason", required=True), "note": note}
    return {"note": note}


def _require(actor, permission, what):
    # SECURITY: permissions are enforced here, not only by hiding buttons.
    if actor is None or not actor.is_active or not actor.is_staff or not actor.has_perm(permission):
        raise NotPermitted(f"You are not allowed to {what}.")


def _require_decision_permission(actor, request, what):
    _require(actor, WORK, what)
    if request.type == RequestType.ERASURE:
        _require(actor, DECIDE_ERASURE, f"{what} an erasure request; the privacy officer decides those")


#: Encrypted fields a worker need not read to record what became of the work.
_ENCRYPTED = ("details", "erasure_identifiers")


def _locked(request):
    return RightsRequest.objects.select_for_update().get(pk=request.pk)


def _next_reference(received_at):
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('rights_requests_reference_seq')")
        (number,) = cursor.fetchone()
    return f"DSR-{timezone.localtime(received_at).year}-{number:06d}"


def _notify(event):
    from .tasks import send_request_email

    transaction.on_commit(lambda: send_request_email.enqueue(event_id=event.pk))


def _process_later(request, *, delay=0):
    """Queue the processing task after commit, ``delay`` seconds from now, under a lease that recovery watches.

    The lease (``lease_expires_at``) says by when the work must have started: if the task
    is lost (a worker killed while starting it, one failing before it could mark the
    request ``processing``), recovery queues it again.
    """
    from .tasks import process_request

    run_after = timezone.now() + datetime.timedelta(seconds=delay)
    request.lease_expires_at = run_after + datetime.timedelta(seconds=conf.LEASE_SECONDS)
    RightsRequest.objects.filter(pk=request.pk).update(lease_expires_at=request.lease_expires_at)
    task = process_request
    if delay and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    transaction.on_commit(lambda: task.enqueue(request_id=str(request.pk)))


def _lease_from_now():
    return timezone.now() + datetime.timedelta(seconds=conf.LEASE_SECONDS)


def _apply(request, step, *, actor, note="", audit=None, **changes):
    """Move ``request`` (locked) through ``step``, save it and record the event (``audit``: see ``_event``)."""
    transition = TRANSITIONS[step]
    if request.status not in transition.sources:
        raise TransitionNotAllowed(
            f"A request that is “{request.get_status_display().lower()}” cannot be {transition.verb}."
        )
    from_status = request.status
    if transition.target is not None:
        request.status = transition.target
    for name, value in changes.items():
        setattr(request, name, value)
    # Fields left unloaded (see ``request_fail``) are neither checked nor written.
    request.full_clean(exclude=request.get_deferred_fields(), validate_constraints=False)
    request.save()
    return _event(request, actor=actor, action=transition.action, from_status=from_status, note=note, audit=audit)


def _event(request, *, actor, action, from_status="", note="", audit=None):
    """Write the request's event row and the same step in the learner's audit log (no note: it may hold data).

    ``audit`` adds keys to the audit row's changes (never personal data).
    """
    event = RequestEvent.objects.create(
        request=request, actor=actor, action=action, from_status=from_status, to_status=request.status, note=note
    )
    audit_record(
        actor=actor,
        subject=request.subject,
        action=AuditEvent.Action.REQUEST_STEP,
        changes={"request": request.reference, "step": action, "status": [from_status, request.status]} | (audit or {}),
    )
    return event


@transaction.atomic
def request_submit(*, actor, subject, request_type, details=None):
    """File a data-subject request and acknowledge it.

    A learner filing for themself while signed in is thereby verified; requests
    of the types in ``RIGHTS_REQUESTS_AUTO_APPROVE`` are then approved at once
    and queued for processing. A restriction request restricts processing at
    once, while staff consider it (GDPR Art. 18(1)). Staff filing on a learner's behalf leave the
    request awaiting identity verification.

    Args:
        actor: the signed-in learner, or staff with the work permission.
        subject: the data subject.
        request_type: a ``RequestType`` value.
        details: see ``clean_request_details``.

    Returns:
        the new ``RightsRequest``; ``due_at`` is one calendar month after receipt
        (GDPR Art. 12(3), see ``deadlines``).

    Raises:
        DuplicateOpenRequest: the subject already has an open request of this type
            (``error.existing`` is it); enforced by a database constraint.
        InvalidRequestDetails, NotPermitted.
    """
    by_subject = actor is not None and actor.pk == subject.pk
    if not by_subject:
        _require(actor, WORK, "file requests on a learner's behalf")
    if request_type not in RequestType.values:
        raise InvalidRequestDetails(f"{request_type!r} is not a type of request.", field="type")
    # Waits for an erasure under way, then finds the account closed, rather than slipping past the
    # erasure's closing of the learner's other requests.
    if not data_subject_lock(subject.pk):
        raise AccountClosed("This account is closed, so no request can be filed for it.")
    existing = RightsRequest.objects.filter(subject=subject, type=request_type, status__in=OPEN_STATUSES).first()
    if existing:
        raise DuplicateOpenRequest(existing)
    cleaned = clean_request_details(request_type, details or {}, subject=subject)
    received_at = timezone.now()
    request = RightsRequest(
        reference=_next_reference(received_at),
        subject=subject,
        type=request_type,
        details=cleaned,
        received_at=received_at,
        due_at=due_at_for(received_at),
    )
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save(force_insert=True)
    except IntegrityError:
        # Two submissions raced past the check above; the constraint let one through.
        raise DuplicateOpenRequest(
            RightsRequest.objects.get(subject=subject, type=request_type, status__in=OPEN_STATUSES)
        ) from None
    event = _event(request, actor=actor, action=RequestEvent.Action.SUBMITTED)
    if request_type == RequestType.RESTRICTION:
        # GDPR Art. 18(1)(a), (d): processing is restricted while the request is considered.
        restriction_start(actor=actor, user=subject, reason=cleaned["reason"])
    if by_subject:
        _apply(
            request, "verify", actor=None, note="You filed it while signed in to your account, so we know it is you."
        )
        if request_type in conf.AUTO_APPROVE:
            _apply(request, "approve", actor=None, note="Requests of this kind are approved automatically.")
            _process_later(request)
    _notify(event)
    return request


@transaction.atomic
def request_verify(*, actor, request, note):
    """Record that staff verified the identity of the person who filed ``request``.

    Raises:
        NotPermitted, TransitionNotAllowed.
    """
    _require(actor, WORK, "verify requests")
    request = _locked(request)
    _apply(request, "verify", actor=actor, note=_text(note, "note", required=True))
    return request


@transaction.atomic
def request_approve(*, actor, request, note="", approved_fields=None):
    """Approve ``request`` and queue it for processing. Erasure needs the privacy officer.

    Args:
        approved_fields: for a rectification, the proposed fields staff accept
            (GDPR Art. 16: staff may accept only some); None accepts them all.
            ``note`` then tells the learner why the others were not applied.

    Raises:
        NotPermitted, TransitionNotAllowed, InvalidRequestDetails (fields that were
        not proposed, or a partial approval without a note).
    """
    request = _locked(request)
    _require_decision_permission(actor, request, "approve")
    changes = {}
    if approved_fields is not None:
        proposed = request.details.get("changes") or {}
        if request.type != RequestType.RECTIFICATION or not set(approved_fields) <= set(proposed):
            raise InvalidRequestDetails("Approve only corrections the learner proposed.", field="approved_fields")
        if set(approved_fields) != set(proposed) and not note.strip():
            raise InvalidRequestDetails("Tell the learner why some corrections are not made.", field="note")
        changes["details"] = request.details | {"approved_fields": sorted(approved_fields)}
    event = _apply(request, "approve", actor=actor, note=note, **changes)
    _process_later(request)
    _notify(event)
    return request


@transaction.atomic
def request_reject(*, actor, request, reason):
    """Reject ``request`` with a reason the learner is told, with their right to complain.

    GDPR Art. 12(4): the learner is informed of the reasons and of the possibility
    of lodging a complaint with a supervisory authority.

    Raises:
        InvalidRequestDetails: empty reason. NotPermitted, TransitionNotAllowed.
    """
    request = _locked(request)
    _require_decision_permission(actor, request, "reject")
    reason = _text(reason, "reason", required=True)
    event = _apply(request, "reject", actor=actor, note=reason, decision_reason=reason)
    _end_restriction_of(request, actor=actor)
    _notify(event)
    return request


@transaction.atomic
def request_withdraw(*, actor, request):
    """Withdraw ``request`` on the learner's behalf, allowed until processing starts.

    Raises:
        NotPermitted: the actor is not the request's data subject. TransitionNotAllowed.
    """
    request = _locked(request)
    if actor is None or actor.pk != request.subject_id:
        raise NotPermitted("Only the learner who filed a request can withdraw it.")
    # The learner is emailed too, so a withdrawal from a stolen session does not go unnoticed.
    _notify(_apply(request, "withdraw", actor=actor))
    _end_restriction_of(request, actor=actor)
    return request


def _end_restriction_of(request, *, actor):
    """Lift the restriction a restriction request started when it is filed, once the request is closed unmet.

    The learner is told before it is lifted (GDPR Art. 18(3)), by ``restriction_lift``.
    """
    if request.type == RequestType.RESTRICTION:
        restriction_lift(actor=actor, user=request.subject)


@transaction.atomic
def request_assign(*, actor, request, assignee):
    """Assign ``request`` to ``assignee`` (a staff member with the work permission).

    Raises:
        NotPermitted, TransitionNotAllowed (closed request).
    """
    _require(actor, WORK, "assign requests")
    _require(assignee, WORK, f"give requests to {assignee}, who cannot work them")
    request = _locked(request)
    if request.assignee_id == assignee.pk:
        return request
    # The assignee is on the request; the note, which the learner sees, names nobody.
    _apply(request, "assign", actor=actor, assignee=assignee)
    return request


@transaction.atomic
def request_extend(*, actor, request, months, reason):
    """Extend the deadline once by ``months`` (1 or 2) further months, telling the learner why.

    GDPR Art. 12(3): extension by two further months "where necessary, taking
    into account the complexity and number of the requests"; the learner is told
    within the first month, with the reasons.

    Raises:
        NotPermitted: not the privacy officer. TransitionNotAllowed: closed,
        already extended, or past its first deadline. InvalidRequestDetails: no
        reason, or months not 1 or 2.
    """
    _require(actor, EXTEND_DEADLINE, "extend deadlines")
    request = _locked(request)
    if request.extended_at is not None:
        raise TransitionNotAllowed("The deadline of this request has already been extended once.")
    if timezone.now() > request.due_at:
        raise TransitionNotAllowed(
            "The deadline has passed: an extension must be decided and told to the learner "
            "within the first month (GDPR Art. 12(3))."
        )
    if months not in (1, 2):
        raise InvalidRequestDetails("Extend by one or two months.", field="months")
    reason = _text(reason, "reason", required=True)
    new_due_at = extended_due_at(request.received_at, months)
    event = _apply(
        request,
        "extend",
        actor=actor,
        note=reason,
        due_at=new_due_at,
        extended_at=timezone.now(),
        extension_reason=reason,
    )
    _notify(event)
    return request


@transaction.atomic
def request_start(*, request):
    """Start processing an approved request (called by the processing task) and take its lease.

    The work holds the request while ``lease_expires_at`` is ahead; it renews the
    lease with each progress report (``request_progress_report``). ``attempts`` of
    the returned request identifies this run: a run whose request was taken back by
    recovery meanwhile is refused (``LeaseLost``) when it reports or completes.

    Returns:
        the request, in ``processing``; unchanged if it is no longer approved
        (for example withdrawn while queued).
    """
    request = _locked(request)
    if request.status == Status.APPROVED:
        _apply(request, "start", actor=None, lease_expires_at=_lease_from_now(), progress_done=0, progress_total=0)
    return request


def request_progress_report(*, request, done, total):
    """Record how far the file of a ``processing`` request is prepared, and renew the work's lease.

    Called outside any transaction by work that reports progress, so the learner's
    page sees each report as soon as it is made; one ``UPDATE``, no event row.

    Args:
        request: as ``request_start`` returned it (its ``attempts`` names the run).
        done, total: rows written so far and rows in all (non-negative integers).

    Raises:
        LeaseLost: the request is no longer this run's (recovery queued it again, or
            staff acted on it): the work must stop.
    """
    held = RightsRequest.objects.filter(pk=request.pk, status=Status.PROCESSING, attempts=request.attempts).update(
        progress_done=done, progress_total=total, lease_expires_at=_lease_from_now()
    )
    if not held:
        raise LeaseLost("This work no longer holds the request.")


def request_lease_release(*, request):
    """Give up the lease of a ``processing`` request that now waits for a person, so recovery leaves it alone.

    Args:
        request: as ``request_start`` returned it.
    """
    RightsRequest.objects.filter(pk=request.pk, status=Status.PROCESSING, attempts=request.attempts).update(
        lease_expires_at=None
    )


def _hold(request):
    """Lock the request ``request_start`` returned to a run and check the run still holds it.

    Raises:
        LeaseLost: recovery queued it again or staff acted on it since.
    """
    current = RightsRequest.objects.select_for_update().defer(*_ENCRYPTED).get(pk=request.pk)
    if current.attempts != request.attempts:
        raise LeaseLost("This work no longer holds the request.")
    return current


@transaction.atomic
def request_hold(*, request):
    """Lock the request for the rest of the caller's transaction, checking the run still holds it.

    Work done in one transaction (e.g. an erasure) takes this first: while it holds the
    row, recovery (which skips locked rows) cannot take the request back, however long
    the work runs; if its worker dies, PostgreSQL ends the transaction and frees the row.

    Raises:
        LeaseLost.
    """
    _hold(request)


def request_lease_extend(*, request, now=None):
    """Give queued work whose task still waits for a worker a new lease, without counting an attempt.

    Nothing was lost: the task is in the queue and a worker will take it (workers were
    stopped, or are behind). One ``UPDATE``, no event.
    """
    now = now or timezone.now()
    RightsRequest.objects.filter(pk=request.pk, status=Status.APPROVED).update(
        lease_expires_at=now + datetime.timedelta(seconds=conf.LEASE_SECONDS)
    )


@transaction.atomic
def request_recover(*, request, now=None):
    """Take back queued or running work whose lease ran out: queue it again, or fail it after too many tries.

    Each retry waits twice as long as the one before (``RIGHTS_REQUESTS_RETRY_BACKOFF_SECONDS``,
    then double); after ``RIGHTS_REQUESTS_MAX_RETRIES`` the request is ``failed`` with the
    reason, for staff to retry, and staff are emailed. A request whose row is locked (its
    work is running in a transaction) or whose lease is ahead is left alone.

    Returns:
        the request if it was requeued or failed, else None.
    """
    now = now or timezone.now()
    request = (
        RightsRequest.objects.select_for_update(skip_locked=True)
        .defer(*_ENCRYPTED)
        .filter(pk=request.pk, status__in=TRANSITIONS["requeue"].sources, lease_expires_at__lt=now)
        .first()
    )
    if request is None:
        return None
    if request.attempts >= conf.MAX_RETRIES:
        note = (
            f"The work was interrupted {request.attempts + 1} times (the worker stopped or could not start it); "
            "it is not tried again without staff."
        )
        _apply(request, "fail", actor=None, note=note, lease_expires_at=None)
        transaction.on_commit(lambda: _tell_staff_of_failure(request))
        return request
    started = request.status == Status.PROCESSING
    note = ("The work was interrupted" if started else "The work did not start") + "; queued again."
    _apply(request, "requeue", actor=None, note=note, attempts=request.attempts + 1, progress_done=0, progress_total=0)
    _process_later(request, delay=conf.RETRY_BACKOFF_SECONDS * 2 ** (request.attempts - 1))
    return request


def _tell_staff_of_failure(request):
    from .tasks import send_failure_email

    send_failure_email.enqueue(request_id=str(request.pk))


@transaction.atomic
def request_complete(*, actor, request, note):
    """Mark ``request`` completed; ``note`` tells the learner what was done.

    ``actor`` is staff who carried it out, or None when the system did. Completing
    an erasure closes the learner's other open requests in the same transaction
    (as withdrawn, with a note naming the erasure request; no email).

    An erasure whose receipt scan found an identifier goes to
    ``completed_with_findings`` instead, until ``request_leftovers_resolve`` leaves it clean.

    Raises:
        NotPermitted, TransitionNotAllowed, InvalidRequestDetails (empty note).
    """
    if actor is None:
        request = _hold(request)  # the system completes only work that still holds the request
    else:
        request = _locked(request)
        _require_decision_permission(actor, request, "complete")
    note = _text(note, "note", required=True)
    # GDPR Art. 17(1): an erasure whose receipt scan found an identifier is not finished.
    step = "complete_with_findings" if _erasure_findings(request) else "complete"
    event = _apply(request, step, actor=actor, note=note, completed_at=timezone.now(), lease_expires_at=None)
    if request.type == RequestType.ERASURE:
        _close_others_of_erased(request)
    _notify(event)
    return request


def _erasure_findings(request):
    """Return the findings of the erasure receipt's scan on ``request`` (empty for any other request)."""
    if request.type != RequestType.ERASURE:
        return []
    return (request.result or {}).get("erasure_receipt", {}).get("scan", [])


@transaction.atomic
def request_leftovers_resolve(*, actor, request, redact=(), dismiss=()):
    """Remove the erased identifiers from places, or mark places as checked; scan again; finish when clean.

    A redacted place keeps its text with ``[erased learner]`` where an identifier was
    (only free text can be redacted). A dismissed place is one the privacy officer
    checked by hand — someone else's data that reads the same (a new account with the
    old username, a name that is also a setting), or a record kept for a reason — and
    the scan skips it from now on. One event records the step (``redact``, or ``clear``
    when nothing else is found, which completes the request and deletes the identifiers
    it kept to scan for); the audit row names the places, never what they held. GDPR
    Art. 17(1), 5(2).

    Args:
        actor: the privacy officer (needs ``decide_erasure``).
        request: an erasure in ``completed_with_findings``.
        redact, dismiss: ``[Leftover.key, ...]`` (``"table.column.row"``) as the scan lists them.

    Returns:
        ``(redacted, refused, leftovers)``: how many places changed; ``[(key, detail)]``
        for places that cannot be redacted here; what the new scan still finds (empty
        when the erasure is finished).

    Raises:
        NotPermitted, TransitionNotAllowed.
    """
    _require(actor, DECIDE_ERASURE, "remove what an erasure left")
    request = _locked(request)
    if request.status != Status.COMPLETED_WITH_FINDINGS:
        _apply(request, "redact", actor=actor)  # refused with the reason
    identifiers = request.erasure_identifiers
    redacted, refused = 0, []
    for key in redact:
        table, column, row = key.split(".", 2)
        try:
            redacted += erasure_leftover_redact(identifiers, table=table, column=column, row=row)
        except LeftoverNotRedactable as error:
            refused.append((key, error.detail))
    receipt = dict(request.result["erasure_receipt"])
    receipt["dismissed"] = sorted(set(receipt.get("dismissed", [])) | set(dismiss))
    receipt["redacted"] = receipt.get("redacted", 0) + redacted
    leftovers = erasure_leftovers(identifiers, request.subject, skip=frozenset(receipt["dismissed"]))
    receipt["scan"] = leftover_findings(leftovers)
    audit = {"redacted": list(redact), "dismissed": list(dismiss), "changed": redacted}
    done = f"Removed the learner's identifiers from {redacted} place(s), marked {len(dismiss)} as checked by hand"
    if leftovers:
        step, note, more = "redact", f"{done}; {len(findings_by_column(receipt['scan']))} column(s) still hold one.", {}
    else:
        # Clean: the erasure is finished, and the identifiers kept to scan for are deleted.
        step, note, more = "clear", f"{done}; the scan now finds none.", {"erasure_identifiers": {}}
    result = {**request.result, "erasure_receipt": receipt}
    _apply(request, step, actor=actor, note=note, audit=audit, result=result, **more)
    return redacted, refused, leftovers


def _close_others_of_erased(erasure):
    """Close the erased learner's other open requests in the erasure's transaction (step ``close``).

    Their account is anonymised and deactivated, so nothing is left to verify,
    approve or carry them out on; staff steps on them are refused from now on.
    The learner is not emailed: their address is gone (the erasure confirmation
    says the account is closed). A restriction a restriction request started is
    not lifted here, which would email them: the erasure deleted it (registry rule).
    """
    others = (
        RightsRequest.objects.select_for_update()
        .filter(subject_id=erasure.subject_id, status__in=TRANSITIONS["close"].sources)
        .exclude(pk=erasure.pk)
        .order_by("reference")
    )
    for other in others:
        _apply(other, "close", actor=None, note=f"Closed: the account was erased under request {erasure.reference}.")


@transaction.atomic
def request_fail(*, request, error, started=True):
    """Record that processing ``request`` failed; staff see it in the queue, are emailed, and may retry.

    The request's encrypted fields are not read, so a failure to decrypt them (a
    worker with an outdated key) is recorded too.

    Args:
        request: as ``request_start`` returned it, when ``started``; else any
            instance with the request's ``pk`` (the work failed before it started).
        error: the exception; only its class name is stored, never its message,
            which could contain personal data.

    Raises:
        LeaseLost: a started run no longer holds the request (nothing is recorded).
        TransitionNotAllowed: the request is no longer approved or processing.
    """
    if started:
        request = _hold(request)
    else:
        request = RightsRequest.objects.select_for_update().defer(*_ENCRYPTED).get(pk=request.pk)
    _apply(request, "fail", actor=None, note=f"Processing stopped with {type(error).__name__}.", lease_expires_at=None)
    transaction.on_commit(lambda: _tell_staff_of_failure(request))
    return request


@transaction.atomic
def request_retry(*, actor, request):
    """Send a failed request back to processing.

    Raises:
        NotPermitted, TransitionNotAllowed.
    """
    _require(actor, WORK, "retry requests")
    request = _locked(request)
    _apply(request, "retry", actor=actor, attempts=0, progress_done=0, progress_total=0)
    _process_later(request)
    return request
