"""Background work of rights requests, through Django's ``django.tasks`` API."""

from django.db import transaction
from django.tasks import task

from .fulfilment import handler_for
from .models import RequestEvent, RightsRequest
from .notifications import request_event_email
from .services import request_complete, request_fail, request_start


@task()
def process_request(request_id):
    """Carry out an approved request with its type's handler, if it has one.

    A handler that raises puts the request in ``failed`` (visible in the admin
    queue, where staff can retry it); the error is raised again so the task
    backend records it too.
    """
    request = request_start(request=RightsRequest(pk=request_id))
    handler = handler_for(request.type)
    if request.status != "processing" or handler is None:
        return
    try:
        with transaction.atomic():
            note = handler(request)
            if note is None:
                return  # this request needs a person after all: it waits in the queue
            request_complete(actor=None, request=request, note=note)
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
