"""Which staff steps a request offers to whom: the workflow's transition table and the permissions, as one rule.

The admin offers a step on a request's page only when ``may_take`` says so, and in
the list's action menu only when ``may_ever_take`` does; the services check the same
table again when the step is taken (``require_step``, and the workflow's transitions),
so a forged step is refused.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy

from compliance.regimes import regime

from .agent_filings import authority_pending
from .permissions import DECIDE_ERASURE, EXTEND_DEADLINE, WORK, require
from .request_types import handler_for, registered
from .standings import standings_of
from .workflow import TRANSITIONS


@dataclass(frozen=True)
class StaffStep:
    """A step staff take on a request: its workflow transition and the permission it needs."""

    transition: str  # a key of ``workflow.TRANSITIONS``
    permission: str
    #: Ends the refusal "You are not allowed to …".
    what: str
    #: True for a decision, which also needs the type's own permission (``Handler.may_decide``).
    decides: bool = False
    #: Ends "You are not allowed to …" before the words of a type with its own permission
    #: (``Handler.decide_refusal``: "approve" + " an erasure request; …"); ``what`` when empty.
    what_of_one: str = ""


#: The steps staff take, by name; each admin action names one (``RightsRequestAdmin``).
STAFF_STEPS = {
    "assign": StaffStep("assign", WORK, pgettext_lazy("not allowed to", "assign requests")),
    "verify_authority": StaffStep(
        "verify_authority",
        WORK,
        pgettext_lazy("not allowed to", "verify the authority of agents and parents"),
        what_of_one=pgettext_lazy("not allowed to", "verify the authority of who filed"),
    ),
    "verify": StaffStep(
        "verify",
        WORK,
        pgettext_lazy("not allowed to", "verify requests"),
        what_of_one=pgettext_lazy("not allowed to", "verify the identity behind"),
    ),
    "approve": StaffStep("approve", WORK, pgettext_lazy("not allowed to", "approve"), decides=True),
    "approve_in_part": StaffStep("approve", WORK, pgettext_lazy("not allowed to", "approve"), decides=True),
    "reject": StaffStep("reject", WORK, pgettext_lazy("not allowed to", "reject"), decides=True),
    "extend": StaffStep("extend", EXTEND_DEADLINE, pgettext_lazy("not allowed to", "extend deadlines")),
    "retry": StaffStep("retry", WORK, pgettext_lazy("not allowed to", "retry requests")),
    "complete": StaffStep("complete", WORK, pgettext_lazy("not allowed to", "complete"), decides=True),
    "remove_leftovers": StaffStep(
        "clear", DECIDE_ERASURE, pgettext_lazy("not allowed to", "remove what an erasure left")
    ),
    "lift": StaffStep("lift", WORK, pgettext_lazy("not allowed to", "lift restrictions")),
}


def require_step(actor, name, request):
    """Return if ``actor`` may take step ``name`` on a request of ``request``'s type: what the services check.

    Raises:
        NotPermitted: not active staff with the step's permission, or, for a decision,
            without the type's own (``Handler.require_decider``).
    """
    step = STAFF_STEPS[name]
    if _decides(name, handler_for(request.type)):
        handler_for(request.type).require_decider(actor, step.what_of_one or step.what)
    else:
        require(actor, step.permission, step.what)


def _decides(name, handler):
    """Return whether step ``name`` on a request of ``handler``'s type needs the type's own permission.

    A decision does; so does verifying the identity behind a request whose carrying out cannot be
    undone (``Handler.requires_recent_password``: an erasure filed without signing in), or the
    authority of an agent or parent who filed one, which the privacy officer checks (GDPR Art. 12(6)).
    """
    verifies = name in ("verify", "verify_authority")
    return STAFF_STEPS[name].decides or (verifies and handler.requires_recent_password)


def _holds(user, permission):
    return user is not None and user.is_active and user.is_staff and user.has_perm(permission)


def extension_refusal(request, *, now=None):
    """Return why the deadline of ``request`` cannot be extended, or None when it can.

    The status is the transition table's to judge; this adds the law's own limits
    (the request's regime): an extension at all (none under the LGPD), once only,
    and within the first period (GDPR Art. 12(3), Cal. Civ. Code §1798.130(a)(2)).
    """
    rule = regime(request.regime).deadline_for(request.type)
    if not rule.extensions:
        return capfirst(
            gettext("%(law)s allows no extension of this deadline (%(citation)s).")
            % {"law": regime(request.regime).name, "citation": rule.citation}
        )
    if request.extended_at is not None:
        return gettext("The deadline of this request has already been extended once.")
    if (now or timezone.now()) > request.due_at:
        return gettext(
            "The deadline has passed: an extension must be decided and told to the learner "
            "within the first period of %(period)s (%(citation)s)."
        ) % {"period": rule.period, "citation": rule.citation}
    return None


def may_ever_take(user, name, statuses=None):
    """Return whether ``user`` may take step ``name`` on some request (the list's action menu).

    A decision counts when the user may decide at least one registered type.

    Args:
        statuses: the statuses the list shows, when it is filtered by status; the step
            must start from one of them (no Approve on a list of completed requests).
    """
    step = STAFF_STEPS[name]
    if not _holds(user, step.permission):
        return False
    if statuses is not None and not set(statuses) & set(TRANSITIONS[step.transition].sources):
        return False
    handlers = [h for h in registered() if not step.decides or h.may_decide(user)]
    if name == "approve_in_part":
        handlers = [h for h in handlers if h.approves_in_part]
    if name == "lift":
        handlers = [h for h in handlers if h.lasts]
    return bool(handlers)


def may_take(user, request, name, *, now=None):
    """Return whether ``user`` may take step ``name`` on ``request`` in its status now (a request's page).

    True when the step's transition starts from the request's status, the user
    holds the step's permission and, for a decision, may decide the request's type;
    and the step has something to do (assigning someone already assigned does not).
    """
    step = STAFF_STEPS[name]
    handler = handler_for(request.type)
    if request.status not in TRANSITIONS[step.transition].sources or not _holds(user, step.permission):
        return False
    if _decides(name, handler) and not handler.may_decide(user):
        return False
    if name in ("verify", "verify_authority"):
        # A request an agent or parent filed: their authority first, then the learner's identity.
        return authority_pending(request) == (name == "verify_authority")
    if name == "assign":
        return request.assignee_id != user.pk
    if name == "approve_in_part":
        return handler.approves_in_part and bool(handler.approvable_parts(request))
    if name == "extend":
        return extension_refusal(request, now=now) is None
    if name == "lift":
        return handler.lasts and _lift_open(request)
    return True


def _lift_open(request):
    """Return whether the completed ``request`` keeps something in force, or a learner's ask to lift still waits.

    An ask waits after a restriction was lifted elsewhere (the restrictions list) until
    staff take the step, so it leaves the queue; the admin annotates ``lift_asked``.
    """
    standing = standings_of([request]).get(request.pk)
    return (standing is not None and standing.in_force) or bool(getattr(request, "lift_asked", False))


def steps_for(user, request, *, now=None):
    """Return the names of the steps ``user`` may take on ``request`` now, in ``STAFF_STEPS`` order."""
    return [name for name in STAFF_STEPS if may_take(user, request, name, now=now)]
