"""The state machine of a rights request: which step leads from which statuses to which.

    awaiting_verification → awaiting_approval → approved → processing → completed
    awaiting_verification | awaiting_approval → rejected (reason required)
    awaiting_verification | awaiting_approval | approved → withdrawn (by the learner)
    approved | processing → failed → approved (staff retry); failed → withdrawn (by the learner)
    approved | processing → approved (requeue: recovery takes back work whose lease ran out)
    processing → completed_with_findings (an erasure whose receipt scan found an identifier)
        → completed (once the privacy officer's redactions leave the scan clean)
    any open status but completed_with_findings → withdrawn (closed by the system when the
        learner's account is erased)
    awaiting_verification → awaiting_verification: staff verify the authority of the agent or parent
        who filed it (``verify_authority``), which a request filed for someone needs before ``verify``
    awaiting_verification | awaiting_approval | approved | failed → withdrawn: the learner says they
        did not authorise the agent or parent who filed it (``object``, ``rights_requests.agents``)
    completed → completed: the learner asks to lift what a completed request keeps in force
        (``ask_lift``), and staff lift it (``lift``); only types whose handler says the
        request ``lasts`` (a restriction of processing, GDPR Art. 18), checked by the services

Any other move is refused. Assigning and extending change no status and are
allowed while the request is open. ``take_step`` is the one way a request moves:
it checks the step, saves the request and writes the event and audit rows.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from compliance.models import AuditEvent
from compliance.services import audit_record

from .exceptions import TransitionNotAllowed
from .models import OPEN_STATUSES, RequestEvent, RightsRequest, Status


@dataclass(frozen=True)
class Transition:
    """One step: the event it records, the statuses it may start from, the status it leads to."""

    action: RequestEvent.Action
    sources: frozenset
    target: Status | None  # None: the status does not change
    verb: str  # for refusals: "A request that is … cannot be <verb>." (lazy: in the refusal's language)


def _step(action, sources, target, verb):
    return Transition(action, frozenset(sources), target, verb)


TRANSITIONS = {
    "verify": _step(
        RequestEvent.Action.VERIFIED,
        {Status.AWAITING_VERIFICATION},
        Status.AWAITING_APPROVAL,
        pgettext_lazy("step", "verified"),
    ),
    # Cal. Code Regs. tit. 11 §7063(a)(1): the agent's signed permission; the learner's identity is ``verify``.
    "verify_authority": _step(
        RequestEvent.Action.AUTHORITY_VERIFIED,
        {Status.AWAITING_VERIFICATION},
        None,
        pgettext_lazy("step", "verified"),
    ),
    "approve": _step(
        RequestEvent.Action.APPROVED, {Status.AWAITING_APPROVAL}, Status.APPROVED, pgettext_lazy("step", "approved")
    ),
    "reject": _step(
        RequestEvent.Action.REJECTED,
        {Status.AWAITING_VERIFICATION, Status.AWAITING_APPROVAL},
        Status.REJECTED,
        pgettext_lazy("step", "rejected"),
    ),
    "withdraw": _step(
        RequestEvent.Action.WITHDRAWN,
        # A failed request never blocks the learner: they may withdraw it and ask again.
        {Status.AWAITING_VERIFICATION, Status.AWAITING_APPROVAL, Status.APPROVED, Status.FAILED},
        Status.WITHDRAWN,
        pgettext_lazy("step", "withdrawn"),
    ),
    # The learner's word on someone acting for them outweighs the filing, until the work starts.
    "object": _step(
        RequestEvent.Action.OBJECTED,
        {Status.AWAITING_VERIFICATION, Status.AWAITING_APPROVAL, Status.APPROVED, Status.FAILED},
        Status.WITHDRAWN,
        pgettext_lazy("step", "cancelled"),
    ),
    "start": _step(
        RequestEvent.Action.PROCESSING, {Status.APPROVED}, Status.PROCESSING, pgettext_lazy("step", "started")
    ),
    "complete": _step(
        RequestEvent.Action.COMPLETED, {Status.PROCESSING}, Status.COMPLETED, pgettext_lazy("step", "completed")
    ),
    # GDPR Art. 17(1): an erasure is finished only when no identifier of the learner is left.
    "complete_with_findings": _step(
        RequestEvent.Action.LEFTOVERS_FOUND,
        {Status.PROCESSING},
        Status.COMPLETED_WITH_FINDINGS,
        pgettext_lazy("step", "completed"),
    ),
    "redact": _step(
        RequestEvent.Action.REDACTED, {Status.COMPLETED_WITH_FINDINGS}, None, pgettext_lazy("step", "redacted")
    ),
    "clear": _step(
        RequestEvent.Action.LEFTOVERS_CLEARED,
        {Status.COMPLETED_WITH_FINDINGS},
        Status.COMPLETED,
        pgettext_lazy("step", "cleared"),
    ),
    # Work can fail before it starts (e.g. a worker that cannot read the request), not only during it.
    "fail": _step(
        RequestEvent.Action.FAILED,
        {Status.APPROVED, Status.PROCESSING},
        Status.FAILED,
        pgettext_lazy("step", "marked as failed"),
    ),
    "requeue": _step(
        RequestEvent.Action.REQUEUED,
        {Status.APPROVED, Status.PROCESSING},
        Status.APPROVED,
        pgettext_lazy("step", "queued again"),
    ),
    "retry": _step(RequestEvent.Action.RETRIED, {Status.FAILED}, Status.APPROVED, pgettext_lazy("step", "retried")),
    # The learner's erasure supersedes their other requests: nothing is left to carry them out on.
    # Withdrawn, not rejected: nobody decided against the learner, and a rejection needs a reason
    # the learner is told with their right to complain (GDPR Art. 12(4)).
    "close": _step(
        RequestEvent.Action.CLOSED,
        set(OPEN_STATUSES) - {Status.COMPLETED_WITH_FINDINGS},
        Status.WITHDRAWN,
        pgettext_lazy("step", "closed"),
    ),
    # A restriction of processing stays in force after its request is completed, until it is lifted;
    # the learner is told before it is (GDPR Art. 18(3)).
    "ask_lift": _step(RequestEvent.Action.LIFT_ASKED, {Status.COMPLETED}, None, pgettext_lazy("step", "lifted")),
    "lift": _step(RequestEvent.Action.LIFTED, {Status.COMPLETED}, None, pgettext_lazy("step", "lifted")),
    "assign": _step(RequestEvent.Action.ASSIGNED, OPEN_STATUSES, None, pgettext_lazy("step", "assigned")),
    "extend": _step(RequestEvent.Action.EXTENDED, OPEN_STATUSES, None, pgettext_lazy("step", "extended")),
}


def allowed_steps(status):
    """Return the names of the steps allowed from ``status``, in ``TRANSITIONS`` order."""
    return [name for name, transition in TRANSITIONS.items() if status in transition.sources]


def locked(request):
    """Return ``request`` read again under a row lock held to the end of the caller's transaction."""
    return RightsRequest.objects.select_for_update().get(pk=request.pk)


def take_step(request, step, *, actor, note="", audit=None, **changes):
    """Move ``request`` (locked by the caller) through ``step``, save it with ``changes`` and record the event.

    Fields left unloaded (``defer``) are neither checked nor written.

    Args:
        step: a key of ``TRANSITIONS``.
        actor: who takes it; None for the system.
        note: what the learner is told at this step ("" for nothing).
        audit: keys added to the audit row's changes (never personal data).

    Returns:
        the new ``RequestEvent``.

    Raises:
        TransitionNotAllowed: the request's status is not one the step starts from.
    """
    transition = TRANSITIONS[step]
    if request.status not in transition.sources:
        raise TransitionNotAllowed(
            _("A request that is “%(status)s” cannot be %(verb)s.")
            % {"status": request.get_status_display().lower(), "verb": transition.verb}
        )
    from_status = request.status
    if transition.target is not None:
        request.status = transition.target
    for name, value in changes.items():
        setattr(request, name, value)
    request.full_clean(exclude=request.get_deferred_fields(), validate_constraints=False)
    request.save()
    return record_event(request, actor=actor, action=transition.action, from_status=from_status, note=note, audit=audit)


def record_event(request, *, actor, action, from_status="", note="", audit=None):
    """Write the request's event row and the same step in the learner's audit log (no note: it may hold data).

    ``audit`` adds keys to the audit row's changes (never personal data).

    Returns:
        the new ``RequestEvent``.
    """
    event = RequestEvent.objects.create(
        request=request, actor=actor, action=action, from_status=from_status, to_status=request.status, note=note
    )
    audit_record(
        actor=actor,
        subject=request.subject,
        action=AuditEvent.Action.REQUEST_STEP,
        changes={"request": request.reference, "step": action, "status": [from_status, request.status]} | (audit or {}),
    )
    return event
