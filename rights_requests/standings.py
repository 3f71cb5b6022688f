"""What completed requests keep in force (a restriction of processing, GDPR Art. 18), read for pages and API."""

from dataclasses import replace

from django.db.models import Exists, Max, OuterRef, Subquery

from .models import RequestEvent, RightsRequest, Status
from .request_types import registered


def standings_of(requests, *, subject=None):
    """Return what each completed request keeps in force, for types whose handler ``lasts`` (restriction).

    Two queries at most for any number of requests: the handler's, and the learner's
    requests to lift (the latest while in force, asked after it started), which requests
    read through ``with_latest_lift_ask`` already carry. Given the data subject whose
    requests these are, the handler's query runs even when none of them lasts, so a page of
    that learner's requests costs the same queries whatever they have.

    Args:
        requests: an iterable of ``RightsRequest``.
        subject: the data subject of all ``requests``, or None.

    Returns:
        ``{request.pk: Standing}``; requests that keep nothing in force are left out.
    """
    completed = [request for request in requests if request.status == Status.COMPLETED]
    standings = {}
    for handler in registered():
        if handler.lasts:
            of_type = [request for request in completed if request.type == handler.type]
            if of_type or subject is not None:
                standings |= handler.standings(of_type, subjects=[subject] if subject is not None else [])
    in_force = [request for request in completed if request.pk in standings and standings[request.pk].in_force]
    asks = {request.pk: request.latest_lift_ask for request in in_force if hasattr(request, "latest_lift_ask")}
    unread = [request.pk for request in in_force if request.pk not in asks]
    if unread:
        asks |= {
            ask["request_id"]: ask["latest"]
            for ask in RequestEvent.objects.filter(request_id__in=unread, action=RequestEvent.Action.LIFT_ASKED)
            .values("request_id")
            .annotate(latest=Max("created_at"))
        }
    for pk, latest in asks.items():
        if latest is not None and latest >= standings[pk].since:
            standings[pk] = replace(standings[pk], lift_asked_at=latest)
    return standings


def with_standings(requests, *, subject=None):
    """Return ``requests`` as a list, each with ``standing`` set: its ``Standing``, or None (see ``standings_of``)."""
    requests = list(requests)
    standings = standings_of(requests, subject=subject)
    for request in requests:
        request.standing = standings.get(request.pk)
    return requests


def with_latest_lift_ask(queryset):
    """Return ``queryset`` with each request's latest ask to lift it read with it, for ``standings_of``.

    Returns:
        the queryset, each request with ``latest_lift_ask``: an aware datetime, or None.
    """
    asks = RequestEvent.objects.filter(request=OuterRef("pk"), action=RequestEvent.Action.LIFT_ASKED)
    return queryset.annotate(latest_lift_ask=Subquery(asks.order_by("-created_at").values("created_at")[:1]))


def requests_in_force_of(subject):
    """Return the data subject's completed requests that keep something in force now, newest first.

    Returns:
        list of ``RightsRequest``, each with ``standing`` set (``with_standings``).
    """
    lasting = [handler.type for handler in registered() if handler.lasts]
    completed = RightsRequest.objects.filter(subject=subject, type__in=lasting, status=Status.COMPLETED)
    return [
        request
        for request in with_standings(completed.order_by("-received_at"))
        if request.standing and request.standing.in_force
    ]


def lift_asked():
    """Return the expression true for a request whose learner asked to lift it since staff last lifted it.

    For the staff queue, with ``status=Status.COMPLETED`` (only a completed request can be lifted):
    ``queryset.filter(lift_asked(), status=…)`` or ``.annotate(lift_asked=lift_asked())``.
    """
    lifted_since = RequestEvent.objects.filter(
        request=OuterRef(OuterRef("pk")), action=RequestEvent.Action.LIFTED, created_at__gte=OuterRef("created_at")
    )
    asks = RequestEvent.objects.filter(request=OuterRef("pk"), action=RequestEvent.Action.LIFT_ASKED)
    return Exists(asks.filter(~Exists(lifted_since)))
