"""Reads about requests an authorised agent or a parent filed for a learner (``rights_requests.agents``)."""

from django.utils.translation import gettext as _

from .models import FOR_SOMEONE, Filer, PublicRequest, Status


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


def takeover_offered(rights_request):
    """Return whether the learner is offered to ask herself for ``rights_request``, an agent's or parent's filing.

    Only while it waits for staff's checks (authority, identity: Cal. Code Regs. tit. 11 §7063(a)):
    her own filing then takes it over as her own request (``services._taken_over``).
    """
    return (
        rights_request is not None
        and rights_request.filed_by in FOR_SOMEONE
        and rights_request.status == Status.AWAITING_VERIFICATION
    )


def asked_for_you_words(rights_request):
    """Return "An authorised agent asked this for you:" (or a parent), or "" for a request the learner filed."""
    if rights_request is None or rights_request.filed_by not in FOR_SOMEONE:
        return ""
    if rights_request.filed_by == Filer.PARENT:
        return _("A parent or guardian asked this for you:")
    return _("An authorised agent asked this for you:")


def take_over_words(rights_request):
    """Return the message offering the learner to ask herself for the agent's or parent's filing ``rights_request``."""
    if rights_request.filed_by == Filer.PARENT:
        words = _(
            "A parent or guardian asked this for you (%(reference)s); ask for it yourself to have it handled as "
            "your own request."
        )
    else:
        words = _(
            "An authorised agent asked this for you (%(reference)s); ask for it yourself to have it handled as "
            "your own request."
        )
    return words % {"reference": rights_request.reference}


def filed_for_you_open_words(rights_request):
    """Return the message on opening an agent's or parent's filing past staff's checks instead of a new form."""
    if rights_request.filed_by == Filer.PARENT:
        words = _(
            "A parent or guardian asked this for you (%(reference)s) and it is under way, so we did not start "
            "another. Here is where it stands."
        )
    else:
        words = _(
            "An authorised agent asked this for you (%(reference)s) and it is under way, so we did not start "
            "another. Here is where it stands."
        )
    return words % {"reference": rights_request.reference}
