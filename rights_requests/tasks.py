"""Background work of rights requests, through Django's ``django.tasks`` API."""

from contextlib import nullcontext

from django.db import transaction
from django.tasks import task
from django.tasks.signals import task_finished, task_started

from learnerportal.log import set_log_reference

from .exceptions import AccountClosed
from .fulfilment import registration_for
from .models import RequestEvent, RightsRequest
from .notifications import request_event_email
from .services import request_complete, request_fail, request_start


@task()
def process_request(request_id):
    """Carry out an approved request with its type's handler, if it has one.

    A handler that raises puts the request in ``failed`` (visible in the admin
    queue, where staff can retry it) and, run in a transaction, leaves the data
    as it was; the error is raised again so the task backend records it too.
    One that finds the account erased meanwhile (``AccountClosed``) stops: the
    erasure has closed the request already.
    """
    request = request_start(request=RightsRequest(pk=request_id))
    registration = registration_for(request.type)
    if request.status != "processing" or registration is None:
        return
    try:
        with transaction.atomic() if registration.atomic else nullcontext():
            note = registration.handler(request)
            if note is None:
                return  # this request needs a person after all: it waits in the queue
            request_complete(actor=None, request=request, note=note)
    except AccountClosed:
        return  # erased meanwhile: the erasure closed this request, and its file was not kept
    except Exception as error:
        request_fail(request=request, error=error)
        raise


@task()
def send_request_email(event_id):
    """Email the learner about one event of their request, when it is one they are told of."""
    event = RequestEvent.objects.select_related("request__subject").get(pk=event_id)
    if not event.request.subject.is_active:
        return  # an erased account's address is gone; the erasure handler confirmed by itself
    message = request_event_email(event)
    if message is not None:
        message.send()


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
