"""The lease of queued or running work on a request: taking it, renewing it, releasing it, checking it.

Work holds an approved or processing request while ``lease_expires_at`` is ahead;
recovery (``tasks.recover_stranded_work``) takes back work whose lease ran out. A
run is named by the request's ``attempts`` when it started: a run whose request was
taken back meanwhile is refused (``LeaseLost``) when it reports or completes.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from . import conf
from .exceptions import LeaseLost
from .models import RightsRequest, Status
from .progress import Progress
from .workflow import locked, take_step

#: Encrypted fields a worker need not read to record what became of the work.
ENCRYPTED = ("details", "erasure_identifiers")


def lease_from_now():
    """Return when a lease taken or renewed now runs out (``RIGHTS_REQUESTS_LEASE_SECONDS`` from now)."""
    return timezone.now() + datetime.timedelta(seconds=conf.LEASE_SECONDS)


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
    request = locked(request)
    if request.status == Status.APPROVED:
        take_step(request, "start", actor=None, lease_expires_at=lease_from_now(), progress_done=0, progress_total=0)
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
        progress_done=done, progress_total=total, lease_expires_at=lease_from_now()
    )
    if not held:
        raise LeaseLost("This work no longer holds the request.")


def work_progress(request):
    """Return the ``Progress`` that work on ``request`` reports through, renewing its lease with each report.

    Args:
        request: as ``request_start`` returned it.
    """
    return Progress(lambda done, total: request_progress_report(request=request, done=done, total=total))


def request_lease_release(*, request):
    """Give up the lease of a ``processing`` request that now waits for a person, so recovery leaves it alone.

    Args:
        request: as ``request_start`` returned it.
    """
    RightsRequest.objects.filter(pk=request.pk, status=Status.PROCESSING, attempts=request.attempts).update(
        lease_expires_at=None
    )


def held(request):
    """Lock the request ``request_start`` returned to a run and return it, checking the run still holds it.

    Its encrypted fields are not read.

    Raises:
        LeaseLost: recovery queued it again or staff acted on it since.
    """
    current = RightsRequest.objects.select_for_update().defer(*ENCRYPTED).get(pk=request.pk)
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
    held(request)


def request_lease_extend(*, request, now=None):
    """Give queued work whose task still waits for a worker a new lease, without counting an attempt.

    Nothing was lost: the task is in the queue and a worker will take it (workers were
    stopped, or are behind). One ``UPDATE``, no event.
    """
    now = now or timezone.now()
    RightsRequest.objects.filter(pk=request.pk, status=Status.APPROVED).update(
        lease_expires_at=now + datetime.timedelta(seconds=conf.LEASE_SECONDS)
    )
