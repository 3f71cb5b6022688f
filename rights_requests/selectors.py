"""Reads of the rights_requests app."""

from django.core.exceptions import ValidationError
from django.http import Http404

from .models import OPEN_STATUSES, RightsRequest


def requests_of(subject):
    """Return the data subject's requests, newest first.

    Returns:
        QuerySet of ``RightsRequest``.
    """
    return RightsRequest.objects.filter(subject=subject).order_by("-received_at")


def open_request_of(subject, request_type):
    """Return the subject's open request of ``request_type``, or None."""
    return RightsRequest.objects.filter(subject=subject, type=request_type, status__in=OPEN_STATUSES).first()


def access_own_request(*, user, request_id):
    """Return the request ``request_id`` if ``user`` is its data subject, with its events loaded.

    Raises:
        Http404: for an unknown id, a malformed id, or another learner's request —
            the same answer, so nobody learns which requests exist.
    """
    try:
        return (
            RightsRequest.objects.prefetch_related("events")
            .select_related("subject")
            .get(pk=request_id, subject_id=user.pk)
        )
    except (RightsRequest.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such request.") from None
