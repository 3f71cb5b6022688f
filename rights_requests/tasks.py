"""Background work of rights requests, through Django's ``django.tasks`` API.

Approved requests are queued here (``process_later``) and carried out by their
type's handler (``process_request``); the work ends here too: completed
(``request_complete``, also by staff who carried it out by hand), failed
(``request_fail``) or taken back when its worker stopped (``request_recover``).
Emails to learners and staff are sent from here, after the commit of the step
they tell of.
"""

import datetime
import smtplib
from contextlib import nullcontext

from django.db import transaction
from django.tasks import task
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks_db.models import DBTaskResult

from accounts.languages import in_language_and_time_zone_of
from learnerportal.encryption import KeyMissing
from learnerportal.log import set_log_reference

from . import conf
from .agent_emails import AGENT_TOLD, agent_outcome_email, filed_for_you_email
from .agent_filings import filing_of
from .details import clean_text
from .exceptions import AccountClosed, EmailNotSent, LeaseLost
from .handlers import handler_for
from .leases import (
    ENCRYPTED,
    held,
    request_hold,
    request_lease_extend,
    request_lease_release,
    request_start,
)
from .models import (
    FOR_SOMEONE,
    INTERRUPTED_TOO_OFTEN,
    PROCESSING_STOPPED,
    PublicRequest,
    RequestEvent,
    RightsRequest,
    Status,
)
from .notifications import request_event_email, staff_failure_email
from .selectors import requests_with_lapsed_lease, staff_to_tell_of_failures
from .steps import require_step
from .workflow import TRANSITIONS, locked, take_step


def email_learner(event):
    """Email the learner about ``event`` once the current transaction commits (if it is one they are told of).

    Of a request an agent or parent filed for the learner, the filer is told its outcome too.
    """
    transaction.on_commit(lambda: send_request_email.enqueue(event_id=event.pk))
    if event.request.filed_by in FOR_SOMEONE and event.action in AGENT_TOLD:
        transaction.on_commit(lambda: send_agent_outcome_email.enqueue(event_id=event.pk))


def _tell_staff_of_failure(request):
    transaction.on_commit(lambda: send_failure_email.enqueue(request_id=str(request.pk)))


def process_later(request, *, delay=0):
    """Queue the processing task after commit, ``delay`` seconds from now, under a lease that recovery watches.

    The lease (``lease_expires_at``) says by when the work must have started: if the task
    is lost (a worker killed while starting it, one failing before it could mark the
    request ``processing``), recovery queues it again.
    """
    run_after = timezone.now() + datetime.timedelta(seconds=delay)
    request.lease_expires_at = run_after + datetime.timedelta(seconds=conf.LEASE_SECONDS)
    RightsRequest.objects.filter(pk=request.pk).update(lease_expires_at=request.lease_expires_at)
    work = process_request
    if delay and work.get_backend().supports_defer:
        work = work.using(run_after=run_after)
    transaction.on_commit(lambda: work.enqueue(request_id=str(request.pk)))


@task()
def process_request(request_id):
    """Carry out an approved request with its type's handler (``Handler.fulfil``).

    A handler that raises puts the request in ``failed`` (visible in the admin
    queue, where staff can retry it) and, run in a transaction, leaves the data
    as it was; the error is raised again so the task backend records it too. So
    does a failure before the work starts. One that finds the account erased
    meanwhile (``AccountClosed``) stops: the erasure has closed the request
    already. A run whose request was taken back by recovery (``LeaseLost``) stops
    quietly: another run carries it out. A worker that cannot decrypt the request's
    data (``KeyMissing``: it lacks a key the other processes write with, during a
    key rotation) leaves the work as a killed worker would, under its lease:
    recovery queues it again for a worker that has the key, and fails it only
    after ``RIGHTS_REQUESTS_MAX_RETRIES`` (when no worker can read it).
    """
    try:
        request = request_start(request=RightsRequest(pk=request_id))
    except KeyMissing:
        raise  # left to recovery, as above
    except Exception as error:
        request_fail(request=RightsRequest(pk=request_id), error=error, started=False)
        raise
    if request.status != Status.PROCESSING:
        return
    handler = handler_for(request.type)
    try:
        with transaction.atomic() if handler.fulfil_in_transaction else nullcontext():
            if handler.fulfil_in_transaction:
                request_hold(request=request)
            # The note is written to the learner, whoever's worker carries it out (a worker has no language).
            with in_language_and_time_zone_of(request.subject):
                note = handler.fulfil(request)
            if note is None:
                request_lease_release(request=request)
                _tell_approval_held_back(request)
                return  # this request needs a person: it waits in the queue
            request_complete(actor=None, request=request, note=note)
    except (AccountClosed, LeaseLost):
        return  # erased meanwhile (its file was not kept), or another run has the request now
    except KeyMissing:
        raise  # left to recovery, under this run's lease, for a worker with the key
    except Exception as error:
        request_fail(request=request, error=error)
        _tell_approval_held_back(request)
        raise


def _tell_approval_held_back(request):
    """Email the approval of a request that ``settles_at_once`` after all did not: it waits or failed.

    Such an approval (the acknowledgement of one approved on filing, or staff's) is
    otherwise told in the completion's email; the learner hears of it either way.
    """
    if not handler_for(request.type).settles_at_once:
        return
    told = [RequestEvent.Action.SUBMITTED, RequestEvent.Action.APPROVED]
    approval = (
        request.events.filter(action__in=told, actor__isnull=False, emailed_at__isnull=True).order_by("-pk").first()
    )
    if approval is not None:
        email_learner(approval)


@transaction.atomic
def request_complete(*, actor, request, note):
    """Mark ``request`` completed; ``note`` tells the learner what was done.

    ``actor`` is staff who carried it out, or None when the system did (the run
    must still hold the request). The type's handler then acts in the same
    transaction (``Handler.on_completed``: completing an erasure closes the
    learner's other open requests, as withdrawn, with a note naming it; no email).

    A request whose fulfilment found something left to do by hand
    (``Handler.has_findings``: an erasure whose receipt scan found an identifier)
    goes to ``completed_with_findings`` instead, until
    ``services.request_leftovers_resolve`` leaves it clean (GDPR Art. 17(1)).

    Raises:
        NotPermitted, TransitionNotAllowed, InvalidRequestDetails (empty note), LeaseLost.
    """
    handler = handler_for(request.type)
    if actor is None:
        request = held(request)  # the system completes only work that still holds the request
    else:
        request = locked(request)
        require_step(actor, "complete", request)
    note = clean_text(note, "note", required=True)
    step = "complete_with_findings" if handler.has_findings(request) else "complete"
    event = take_step(request, step, actor=actor, note=note, completed_at=timezone.now(), lease_expires_at=None)
    handler.on_completed(request)
    email_learner(event)
    return request


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
        request = held(request)
    else:
        request = RightsRequest.objects.select_for_update().defer(*ENCRYPTED).get(pk=request.pk)
    take_step(
        request,
        "fail",
        actor=None,
        note=PROCESSING_STOPPED % {"error": type(error).__name__},
        lease_expires_at=None,
    )
    _tell_staff_of_failure(request)
    return request


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
        .defer(*ENCRYPTED)
        .filter(pk=request.pk, status__in=TRANSITIONS["requeue"].sources, lease_expires_at__lt=now)
        .first()
    )
    if request is None:
        return None
    if request.attempts >= conf.MAX_RETRIES:
        note = INTERRUPTED_TOO_OFTEN % {"times": request.attempts + 1}
        take_step(request, "fail", actor=None, note=note, lease_expires_at=None)
        _tell_staff_of_failure(request)
        return request
    started = request.status == Status.PROCESSING
    note = (
        gettext_noop("The work was interrupted; queued again.")
        if started
        else gettext_noop("The work did not start; queued again.")
    )
    take_step(
        request, "requeue", actor=None, note=note, attempts=request.attempts + 1, progress_done=0, progress_total=0
    )
    process_later(request, delay=conf.RETRY_BACKOFF_SECONDS * 2 ** (request.attempts - 1))
    return request


def recover_stranded_work(now=None):
    """Queue again, or fail, every request whose work's lease ran out; return how many were taken back.

    Run by every worker at start and by ``manage.py rights_requests_recover`` (cron). Work
    whose task still waits in the queue (workers stopped or behind) only gets a new lease:
    no attempt is counted and no second task is queued.
    The task rows of the runs taken back, left ``RUNNING`` by a worker that died, are
    marked failed so that the task log tells the truth. Emails to learners that a dead
    worker was sending are queued again (``recover_stranded_emails``).
    """
    now = now or timezone.now()
    recovered = 0
    for request in requests_with_lapsed_lease(now=now):
        if _still_queued(request):
            request_lease_extend(request=request, now=now)  # no worker took it yet: nothing was lost
            continue
        if request_recover(request=request, now=now) is not None:
            recovered += 1
            _fail_orphaned_task_rows(request)
    recover_stranded_emails(now=now)
    return recovered


def recover_stranded_emails(now=None):
    """Queue again each learner email whose worker stopped while sending it; return how many.

    A send takes seconds: an email task still ``RUNNING`` after ``RIGHTS_REQUESTS_LEASE_SECONDS``
    lost its worker. Its row is marked failed and the email queued again; the event's
    ``emailed_at`` keeps it to one email unless the worker died between sending and
    recording it (then the learner gets it twice rather than never).
    """
    now = now or timezone.now()
    stranded = DBTaskResult.objects.running().filter(
        task_path=send_request_email.module_path,
        started_at__lt=now - datetime.timedelta(seconds=conf.LEASE_SECONDS),
    )
    count = 0
    for row in stranded:
        row.set_failed(WorkerLost("The worker stopped while sending; the email was queued again."))
        send_request_email.enqueue(**row.args_kwargs.get("kwargs", {}))
        count += 1
    return count


class WorkerLost(Exception):
    """The worker running this task stopped before it finished (recorded on orphaned task rows)."""


def _still_queued(request):
    """Return whether a task to process ``request`` waits in the queue, not yet taken by any worker."""
    return DBTaskResult.objects.filter(
        status="READY", task_path=process_request.module_path, args_kwargs__kwargs__request_id=str(request.pk)
    ).exists()


def _fail_orphaned_task_rows(request):
    orphans = DBTaskResult.objects.running().filter(
        task_path=process_request.module_path, args_kwargs__kwargs__request_id=str(request.pk)
    )
    for row in orphans:
        row.set_failed(WorkerLost("The worker stopped before finishing; the work was queued again."))


#: Times a refused email to a learner is tried again, each waiting twice as long as the one before.
EMAIL_RETRIES = 5
#: Seconds before the first new try of a refused email.
EMAIL_RETRY_SECONDS = 60


#: Announcements ("we received it", "we approved it") the outcome's email tells instead when the work was quicker.
ANNOUNCEMENTS = (RequestEvent.Action.SUBMITTED, RequestEvent.Action.APPROVED)


def _announcements_not_told(event):
    """Return the announcements of ``event``'s request not emailed yet, if ``event`` completes it; else [].

    Automatic approvals are left out (the acknowledgement says them). The rows are locked,
    so an announcement's own email, if it runs now, waits and then finds it told.
    """
    if event.action != RequestEvent.Action.COMPLETED:
        return []
    return list(
        RequestEvent.objects.select_for_update()
        .filter(request_id=event.request_id, action__in=ANNOUNCEMENTS, emailed_at__isnull=True)
        .exclude(action=RequestEvent.Action.APPROVED, actor__isnull=True)
    )


@task()
def send_request_email(event_id, attempt=0):
    """Email the learner about one event of their request, once, when it is one they are told of.

    The event row records the sending (``emailed_at``), so a task run twice sends once.
    When the work was done before the acknowledgement or staff's approval was emailed,
    the outcome's email tells those steps too and they are not emailed by themselves.
    A refused or failed send (SMTP error, mail server unreachable) is queued again with
    back-off, up to ``EMAIL_RETRIES`` times, when the task backend can defer work; the
    error is raised, as ``EmailNotSent`` naming only its kind, so the task log shows it
    without the address.
    """
    try:
        with transaction.atomic():
            event = (
                RequestEvent.objects.select_for_update(of=("self",)).select_related("request__subject").get(pk=event_id)
            )
            if event.emailed_at is not None or not event.request.subject.is_active:
                return  # sent already; or an erased account, whose erasure confirmed by itself
            if event.action in ANNOUNCEMENTS and event.request.status == Status.COMPLETED:
                return  # the work was done first: the outcome's email tells of this step too
            earlier = {announcement.action: announcement for announcement in _announcements_not_told(event)}
            message = request_event_email(
                event,
                tells_receipt=RequestEvent.Action.SUBMITTED in earlier,
                tells_approval=RequestEvent.Action.APPROVED in earlier,
            )
            if message is None:
                return
            message.send()
            told = [event.pk, *(announcement.pk for announcement in earlier.values())]
            RequestEvent.objects.filter(pk__in=told).update(emailed_at=timezone.now())
    except (smtplib.SMTPException, OSError) as error:
        _email_again_later(send_request_email, attempt, error, event_id=event_id)


def _email_again_later(email_task, attempt, error, **arguments):
    """Queue ``email_task`` again with back-off after a refused send, up to ``EMAIL_RETRIES``; raise ``EmailNotSent``.

    Only when the task backend can defer work; ``error`` is the mail server's.
    """
    if attempt < EMAIL_RETRIES and email_task.get_backend().supports_defer:
        run_after = timezone.now() + datetime.timedelta(seconds=EMAIL_RETRY_SECONDS * 2**attempt)
        email_task.using(run_after=run_after).enqueue(**arguments, attempt=attempt + 1)
    # SECURITY: the task log keeps the traceback in the database; an SMTP error names the
    # recipient's address, so only its kind is kept.
    raise EmailNotSent(f"The mail server did not take the email ({type(error).__name__}).") from None


@task()
def send_filed_for_you_email(public_request_id, attempt=0):
    """Tell the learner an agent or parent filed a request for them, with the link to object.

    It is that request's acknowledgement: its ``submitted`` event is marked emailed, so that the
    outcome's email does not tell the receipt again. Refused sends are tried again as learners' are.
    """
    public_request = (
        PublicRequest.objects.select_related("subject", "rights_request").filter(pk=public_request_id).first()
    )
    if public_request is None or public_request.rights_request is None or not public_request.subject.is_active:
        return  # erased meanwhile
    try:
        filed_for_you_email(public_request).send()
    except (smtplib.SMTPException, OSError) as error:
        _email_again_later(send_filed_for_you_email, attempt, error, public_request_id=public_request_id)
    if public_request.rights_request.filed_by in FOR_SOMEONE:
        RequestEvent.objects.filter(
            request=public_request.rights_request, action=RequestEvent.Action.SUBMITTED, emailed_at__isnull=True
        ).update(emailed_at=timezone.now())


@task()
def send_agent_outcome_email(event_id, attempt=0):
    """Tell the agent or parent who filed a request for a learner how it ended (``agent_emails.AGENT_TOLD``)."""
    event = RequestEvent.objects.select_related("request").filter(pk=event_id).first()
    filing = filing_of(event.request) if event is not None else None
    if filing is None:
        return  # erased meanwhile, with the filing
    try:
        agent_outcome_email(filing, event).send()
    except (smtplib.SMTPException, OSError) as error:
        _email_again_later(send_agent_outcome_email, attempt, error, event_id=event_id)


@task()
def send_failure_email(request_id):
    """Tell the staff who work requests that ``request_id`` failed and waits for them to retry it."""
    request = RightsRequest.objects.defer("details", "erasure_identifiers").get(pk=request_id)
    for recipient in staff_to_tell_of_failures(request):
        staff_failure_email(recipient, request=request).send()


def reference_of(task_result):
    """Return the reference (``DSR-…``) of the rights request a task of this module works on, or ""."""
    kwargs = task_result.kwargs
    if task_result.task.module_path == process_request.module_path:
        rows = RightsRequest.objects.filter(pk=kwargs.get("request_id", *task_result.args[:1]))
        return rows.values_list("reference", flat=True).first() or ""
    if task_result.task.module_path == send_request_email.module_path:
        rows = RequestEvent.objects.filter(pk=kwargs.get("event_id", *task_result.args[:1]))
        return rows.values_list("request__reference", flat=True).first() or ""
    return ""


def name_the_request_in_log(sender, task_result, **kwargs):
    """``task_started`` receiver: the lines a worker logs while on a rights request name its reference."""
    set_log_reference(reference_of(task_result))


def stop_naming_the_request(sender, task_result, **kwargs):
    """``task_finished`` receiver, after Django's line saying how the task ended (which names the reference)."""
    set_log_reference("")


def connect_log_receivers():
    """Connect the receivers that name a task's rights request in log lines (from ``AppConfig.ready()``)."""
    task_started.connect(name_the_request_in_log, dispatch_uid="rights_requests.name_the_request_in_log")
    task_finished.connect(stop_naming_the_request, dispatch_uid="rights_requests.stop_naming_the_request")
