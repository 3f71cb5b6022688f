"""What completed requests keep in force (a restriction of processing, GDPR Art. 18), read for pages and API."""

from dataclasses import replace

from django.db.models import Exists, Max, OuterRef

from .models import RequestEvent, RightsRequest, Status
from .request_types import handler_for, registered


def standings_of(requests):
    """Return what each completed request keeps in force, for types whose handler ``lasts`` (restriction).

    Two queries at most for any number of requests: the handler's, and the learner's
    requests to lift (the latest while in force, asked after it started).

    Args:
        requests: an iterable of ``RightsRequest``.

    Returns:
        ``{request.pk: Standing}``; requests that keep nothing in force are left out.
    """
    completed = [request for request in requests if request.status == Status.COMPLETED]
    standings = {}
    for request_type in {request.type for request in completed}:
        handler = handler_for(request_type)
        if handler.lasts:
            standings |= handler.standings([request for request in completed if request.type == request_type])
    in_force = [pk for pk, standing in standings.items() if standing.in_force]
    if in_force:
        asks = (
            RequestEvent.objects.filter(request_id__in=in_force, action=RequestEvent.Action.LIFT_ASKED)
            .values("request_id")
            .annotate(latest=Max("created_at"))
        )
        for ask in asks:
            standing = standings[ask["request_id"]]
            if ask["latest"] >= standing.since:
                standings[ask["request_id"]] = replace(standing, lift_asked_at=ask["latest"])
    return standings


def with_standings(requests):
    """Return ``requests`` as a list, each with ``standing`` set: its ``Standing``, or None (see ``standings_of``)."""
    requests = list(requests)
    standings = standings_of(requests)
    for request in requests:
        request.standing = standings.get(request.pk)
    return requests


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
