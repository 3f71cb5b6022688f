"""Emails to learners about their requests. Only what the learner needs: no profile data."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from . import conf
from .models import RequestEvent

SUBJECTS = {
    RequestEvent.Action.SUBMITTED: "We received your request {reference}",
    RequestEvent.Action.APPROVED: "Your request {reference} is approved",
    RequestEvent.Action.REJECTED: "Your request {reference} was declined",
    RequestEvent.Action.EXTENDED: "We need more time for your request {reference}",
    RequestEvent.Action.COMPLETED: "Your request {reference} is complete",
}


def request_event_email(event):
    """Return the email telling the learner about ``event``, or None for events they are not emailed.

    Args:
        event: a ``RequestEvent`` with ``request__subject`` loaded.

    Returns:
        ``EmailMultiAlternatives`` (plain text with an HTML alternative) to the
        data subject's address, or None.
    """
    subject_line = SUBJECTS.get(event.action)
    if subject_line is None:
        return None
    request = event.request
    context = {
        "event": event,
        "request": request,
        "request_type": request.get_type_display(),
        "page_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("rights_requests:detail", args=[request.pk]),
        "supervisory_authority": conf.SUPERVISORY_AUTHORITY,
    }
    message = EmailMultiAlternatives(
        subject=subject_line.format(reference=request.reference),
        body=render_to_string("rights_requests/email/event.txt", context),
        to=[request.subject.email],
    )
    message.attach_alternative(render_to_string("rights_requests/email/event.html", context), "text/html")
    return message
