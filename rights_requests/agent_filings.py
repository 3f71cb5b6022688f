"""Reads about requests an authorised agent or a parent filed for a learner (``rights_requests.agents``)."""

from .models import FOR_SOMEONE, PublicRequest


def filing_of(rights_request):
    """Return the ``PublicRequest`` by which an agent or parent filed ``rights_request``, or None.

    None for a request the learner filed (signed in, or at ``/privacy/request/`` for themself), also
    when an agent's filing later joined it (it was open already).
    """
    if rights_request.filed_by not in FOR_SOMEONE:
        return None
    return (
        PublicRequest.objects.filter(rights_request=rights_request, filed_by=rights_request.filed_by)
        .order_by("created_at")
        .first()
    )


def authority_pending(rights_request):
    """Return whether ``rights_request`` waits for staff to verify the authority of the agent or parent who filed it.

    Cal. Code Regs. tit. 11 §7063(a)(1): the agent's signed permission is checked before the
    learner's identity (§7063(a)(2)), and both before anything is done.
    """
    filing = filing_of(rights_request)
    return filing is not None and filing.authority_verified_at is None
