"""Writes of the rights_requests app: every step staff or learners take on a request is one function here.

Each step locks the request row (``select_for_update``) so that two staff members
acting at once cannot both succeed, checks the step against ``workflow.TRANSITIONS``
and the actor's permissions, writes a ``RequestEvent`` (``workflow.take_step``), and
hands follow-up work (emails, processing) to background tasks after the transaction
commits (``tasks``). What differs by type of request, its handler decides
(``handlers.handler_for``). The steps that end background work (complete, fail,
recover) are in ``tasks``; those of its lease in ``leases``.
"""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.selectors import learner_regime
from compliance.erasure import erasure_leftover_redact, erasure_leftovers, findings_by_column, leftover_findings
from compliance.exceptions import LeftoverNotRedactable
from compliance.regimes import Period, regime
from compliance.services import data_subject_lock

from .agent_filings import authority_pending
from .deadlines import extended_due_at, regime_due_at
from .details import clean_text
from .exceptions import (
    AccountClosed,
    DuplicateOpenRequest,
    InvalidRequestDetails,
    NotPermitted,
    TransitionNotAllowed,
)
from .handlers import handler_for, registered
from .models import FOR_SOMEONE, OPEN_STATUSES, Filer, RequestEvent, RightsRequest, Status
from .permissions import WORK, require
from .regime_rights import offers
from .standings import standings_of
from .steps import extension_refusal, require_step
from .tasks import email_learner, process_later
from .workflow import locked, record_event, take_step


def _next_reference(received_at):
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('rights_requests_reference_seq')")
        (number,) = cursor.fetchone()
    return f"DSR-{timezone.localtime(received_at, timezone.get_default_timezone()).year}-{number:06d}"


def _handler_of(request_type):
    """Return the handler of ``request_type``.

    Raises:
        InvalidRequestDetails: naming ``type``, when no type of that name is registered.
    """
    if request_type not in {handler.type for handler in registered()}:
        raise InvalidRequestDetails(f"{request_type!r} is not a type of request.", field="type")
    return handler_for(request_type)


def _filing_checked(*, subject, request_type):
    """Take the subject's lock and check that a request of ``request_type`` may be filed for them now.

    Returns:
        ``(handler, regime)``: the type's handler and the ``Regime`` that applies to the subject now
        (``accounts.selectors.learner_regime``).

    Raises:
        InvalidRequestDetails: naming ``type``, when no type of that name is registered.
        AccountClosed: the subject's account is closed (erased).
        DuplicateOpenRequest: the subject already has an open request of this type
            (``error.existing`` is it); enforced by a database constraint too (``_filed``).
    """
    handler = _handler_of(request_type)
    # Waits for an erasure under way, then finds the account closed, rather than slipping past the
    # erasure's closing of the learner's other requests.
    if not data_subject_lock(subject.pk):
        raise AccountClosed(_("This account is closed, so no request can be filed for it."))
    existing = RightsRequest.objects.filter(subject=subject, type=request_type, status__in=OPEN_STATUSES).first()
    if existing:
        raise DuplicateOpenRequest(existing)
    return handler, learner_regime(subject)


def _filed(*, actor, subject, handler, applies, details, filed_by=Filer.SUBJECT):
    """Create the request under the regime ``applies``, record its filing and let its handler act (``on_filed``).

    Its deadline is that regime's for the type (GDPR Art. 12(3): one calendar month; Cal. Civ.
    Code §1798.130(a)(2): 45 days; LGPD Art. 19, II: 15 days; see ``deadlines``). A request an
    agent or parent files (``filed_by``) lets its handler do nothing until staff verified them and
    the learner (``_acted_on_filing``).

    Returns:
        ``(request, submitted_event, handler)``.

    Raises:
        DuplicateOpenRequest: another filing won the race (the database constraint).
        InvalidRequestDetails: bad details.
    """
    cleaned = handler.clean_details(details or {}, subject=subject)
    received_at = timezone.now()
    request = RightsRequest(
        reference=_next_reference(received_at),
        subject=subject,
        type=handler.type,
        details=cleaned,
        received_at=received_at,
        regime=applies.key,
        due_at=regime_due_at(received_at, applies.key, handler.type),
        filed_by=filed_by,
    )
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save(force_insert=True)
    except IntegrityError:
        # Two submissions raced past the check in ``_filing_checked``; the constraint let one through.
        raise DuplicateOpenRequest(
            RightsRequest.objects.get(subject=subject, type=handler.type, status__in=OPEN_STATUSES)
        ) from None
    # The learner's account activity says who filed it for them, not "the portal" (``compliance.selectors``).
    audit = {"filed_by": filed_by} if filed_by in FOR_SOMEONE else None
    event = record_event(request, actor=actor, action=RequestEvent.Action.SUBMITTED, audit=audit)
    if _acted_on_filing(request):
        handler.on_filed(request, actor=actor)
    return request, event, handler


def _acted_on_filing(request):
    """Return whether the handler acted as ``request`` was filed (``Handler.on_filed``), so closing it unmet undoes it.

    Not for a request an agent or parent filed: nothing of it is carried out before staff verified
    their authority and the learner's identity (Cal. Code Regs. tit. 11 §7063(a)).
    """
    return request.filed_by not in FOR_SOMEONE


def _file_offered_right(*, actor, subject, request_type, details):
    """File a request for a right the subject's regime gives them (Your data, the API, staff on their behalf).

    Returns:
        ``(request, submitted_event, handler)``.

    Raises:
        AccountClosed, DuplicateOpenRequest (see ``_filing_checked``).
        InvalidRequestDetails: naming ``type`` for a right the subject's regime does not give; bad details.
    """
    try:
        handler, applies = _filing_checked(subject=subject, request_type=request_type)
    except DuplicateOpenRequest as duplicate:
        if actor is None or actor.pk != subject.pk or duplicate.existing.filed_by not in FOR_SOMEONE:
            raise
        handler, applies = _handler_of(request_type), learner_regime(subject)
        _offered(applies, request_type)
        return _taken_over(duplicate.existing, actor=actor, handler=handler, details=details)
    _offered(applies, request_type)
    return _filed(actor=actor, subject=subject, handler=handler, applies=applies, details=details)


def _offered(applies, request_type):
    """Raise ``InvalidRequestDetails`` (naming ``type``) unless the regime ``applies`` gives ``request_type``."""
    if not offers(applies, request_type):
        raise InvalidRequestDetails(
            capfirst(
                _("%(law)s gives no right of this kind; Your data lists the rights it gives.") % {"law": applies.name}
            ),
            field="type",
        )


def _taken_over(request, *, actor, handler, details):
    """Make the open ``request`` an agent or parent filed for the learner the learner's own: they filed it too.

    The learner's own filing stands on its own, whoever filed first: the request becomes hers
    (``filed_by`` the subject), with her own details while nothing was verified yet; it is
    acknowledged by a new ``submitted`` step, which the caller emails, and verified as her own
    path verifies (the caller: signed in, or the emailed code), not held behind the filer's
    authority. The handler acts now, as on her own filing (``Handler.on_filed``). The filer's
    ``PublicRequest`` stays linked as a filing that joined hers (``agent_filings.filing_of`` is
    then None): objecting to it afterwards records the objection and never withdraws her request
    (``agents.agent_request_object``), and the filer is no longer told its outcome.

    Called under the subject's lock (``_filing_checked``). Returns ``(request, submitted_event, handler)``.

    Raises:
        InvalidRequestDetails: bad details.
    """
    request = locked(request)
    cleaned = handler.clean_details(details or {}, subject=request.subject)
    request.filed_by = Filer.SUBJECT
    fields = ["filed_by"]
    if request.status == Status.AWAITING_VERIFICATION:
        request.details = cleaned
        fields.append("details")
    request.save(update_fields=fields)
    event = record_event(
        request,
        actor=actor,
        action=RequestEvent.Action.SUBMITTED,
        from_status=request.status,
        note=gettext_noop(
            "You asked for this yourself too, so it is now your own request. It goes on even if you tell us "
            "you did not authorise the person who filed it for you."
        ),
    )
    handler.on_filed(request, actor=actor)
    return request, event, handler


def _file_any_right(*, actor, subject, request_type, details, filed_by=Filer.SUBJECT):
    """File a request of any registered type, whether or not the subject's regime names it: staff then decide.

    For requests filed without signing in: refusing a right the account's law does not
    name would tell whoever typed the address that it has an account. ``filed_by``: a ``Filer``.

    Returns:
        ``(request, submitted_event, handler)``.

    Raises:
        AccountClosed, DuplicateOpenRequest, InvalidRequestDetails (see ``_filing_checked``, ``_filed``).
    """
    try:
        handler, applies = _filing_checked(subject=subject, request_type=request_type)
    except DuplicateOpenRequest as duplicate:
        if filed_by != Filer.SUBJECT or duplicate.existing.filed_by not in FOR_SOMEONE:
            raise
        return _taken_over(duplicate.existing, actor=actor, handler=_handler_of(request_type), details=details)
    return _filed(actor=actor, subject=subject, handler=handler, applies=applies, details=details, filed_by=filed_by)


@transaction.atomic
def request_submit(*, actor, subject, request_type, details=None):
    """File a data-subject request and acknowledge it.

    A learner filing for themself while signed in is thereby verified; requests
    of the types whose handler approves them on filing (``Handler.approved_on_filing``)
    are then approved at once and queued for processing. The handler may act at
    once (``Handler.on_filed``: a restriction request restricts processing while
    staff consider it, GDPR Art. 18(1)). Staff filing on a learner's behalf leave
    the request awaiting identity verification. A learner filing a type an agent or
    parent has an open request of for them takes it over as her own (``_taken_over``).

    Args:
        actor: the signed-in learner, or staff with the work permission.
        subject: the data subject.
        request_type: a registered type (``handlers``).
        details: what the type's handler takes (``Handler.clean_details``).

    Returns:
        the new ``RightsRequest``; ``due_at`` is set by the subject's regime (``_filed``).

    Raises:
        AccountClosed, DuplicateOpenRequest, InvalidRequestDetails (see ``_file_offered_right``), NotPermitted.
    """
    by_subject = actor is not None and actor.pk == subject.pk
    if not by_subject:
        require(actor, WORK, _("file requests on a learner's behalf"))
    request, event, handler = _file_offered_right(
        actor=actor, subject=subject, request_type=request_type, details=details
    )
    if by_subject and request.status == Status.AWAITING_VERIFICATION:  # not yet, for one taken over (``_taken_over``)
        take_step(
            request,
            "verify",
            actor=None,
            note=gettext_noop("You filed it while signed in to your account, so we know it is you."),
        )
        if handler.approved_on_filing():
            _approve_at_once(request, note=gettext_noop("Requests of this kind are approved automatically."))
            if handler.settles_at_once:
                return request  # told with its outcome (``tasks.process_request``)
    email_learner(event)
    return request


def _approve_at_once(request, *, note):
    """Approve the verified ``request`` as it is filed (the portal's step, with ``note``) and queue its processing."""
    take_step(request, "approve", actor=None, note=note)
    process_later(request)


@transaction.atomic
def request_submit_by_email(*, subject, request_type, details, identity_verified, filed_by=Filer.SUBJECT):
    """File a request for ``subject`` from ``/privacy/request/``: someone proved they read the account's address.

    The account's owner is told by the acknowledgement, or by the outcome's email for a
    request carried out at once (either says the request was filed without signing in).
    Staff review what is filed this way, except a type the law asks to honour without
    verifying who sent it (``Handler.honoured_unverified``: an opt-out of sale, a limit on
    sensitive information, 11 CCR §7026(d), §7060(b)), which is approved and carried out at
    once by its handler, as when the learner files it signed in. A request whose identity is
    not ``identity_verified`` (an erasure, which cannot be undone, needs the account's
    password or staff's check too) waits in ``awaiting_verification``. GDPR Art. 12(2), 12(6).

    One an agent or parent files for the learner (``filed_by``; they proved their own address)
    waits in ``awaiting_verification`` for staff to verify their authority and the learner's
    identity, whatever its type (an opt-out too: the learner may opt out at once themself); its
    handler does nothing meanwhile, and the learner is told by an email of its own
    (``agent_emails``), not by the acknowledgement. Cal. Code Regs. tit. 11 §7063(a). The learner's
    own filing of a type such a request is open for takes it over (``_taken_over``).

    Args:
        subject: the account whose current email the person verified, or the agent or parent gave.
        request_type: a registered type. details: what its handler takes.
        identity_verified: whether the emailed code is proof enough for this type (never for someone else).
        filed_by: a ``Filer``.

    Returns:
        the new ``RightsRequest``.

    Raises:
        AccountClosed, DuplicateOpenRequest, InvalidRequestDetails.
    """
    request, event, handler = _file_any_right(
        actor=None, subject=subject, request_type=request_type, details=details, filed_by=filed_by
    )
    if filed_by in FOR_SOMEONE:
        return request
    if identity_verified and request.status == Status.AWAITING_VERIFICATION:
        take_step(
            request,
            "verify",
            actor=None,
            note=gettext_noop("You confirmed your email address with a code we sent to it."),
        )
        if handler.honoured_unverified:
            _approve_at_once(
                request,
                note=gettext_noop("We act on requests of this kind at once, without asking who sent them."),
            )
            if handler.settles_at_once:
                return request  # told with its outcome (``tasks.process_request``)
    email_learner(event)
    return request


@transaction.atomic
def request_verify(*, actor, request, note):
    """Record that staff verified the identity of the person who filed ``request``, or whom it is for.

    For a request an agent or parent filed, this is the learner's identity, checked directly with
    them after the filer's authority (``agents.agent_authority_verify``); Cal. Code Regs. tit. 11
    §7063(a)(2).

    Raises:
        NotPermitted, TransitionNotAllowed (also: the authority of the agent or parent is not verified yet).
    """
    require_step(actor, "verify", request)
    request = locked(request)
    if authority_pending(request):
        raise TransitionNotAllowed(
            _("Verify the authority of the agent or parent who filed it first, then the learner's identity.")
        )
    take_step(request, "verify", actor=actor, note=clean_text(note, "note", required=True))
    return request


@transaction.atomic
def request_approve(*, actor, request, note="", approved_fields=None):
    """Approve ``request`` and queue it for processing; its handler says who may (erasure: the privacy officer).

    Args:
        approved_fields: for a type approved in part (``Handler.approves_in_part``:
            rectification, GDPR Art. 16), the parts staff accept; None accepts all.
            ``note`` then tells the learner why the others are not met.

    Raises:
        NotPermitted, TransitionNotAllowed, InvalidRequestDetails (parts that were
        not proposed, or a partial approval without a note).
    """
    request = locked(request)
    handler = handler_for(request.type)
    require_step(actor, "approve", request)
    changes = {}
    if approved_fields is not None:
        changes["details"] = handler.approve_in_part(request, approved_fields, note)
    event = take_step(request, "approve", actor=actor, note=note, **changes)
    process_later(request)
    if not handler.settles_at_once:
        email_learner(event)  # else told with its outcome (``tasks.process_request``)
    return request


@transaction.atomic
def request_reject(*, actor, request, reason):
    """Reject ``request`` with a reason the learner is told, with their right to complain.

    GDPR Art. 12(4): the learner is informed of the reasons and of the possibility
    of lodging a complaint with a supervisory authority.

    Raises:
        InvalidRequestDetails: empty reason. NotPermitted, TransitionNotAllowed.
    """
    request = locked(request)
    handler = handler_for(request.type)
    require_step(actor, "reject", request)
    reason = clean_text(reason, "reason", required=True)
    event = take_step(request, "reject", actor=actor, note=reason, decision_reason=reason)
    if _acted_on_filing(request):
        handler.on_closed_unmet(request, actor=actor)
    email_learner(event)
    return request


@transaction.atomic
def request_withdraw(*, actor, request):
    """Withdraw ``request`` on the learner's behalf, allowed until processing starts.

    Raises:
        NotPermitted: the actor is not the request's data subject. TransitionNotAllowed.
    """
    request = locked(request)
    if actor is None or actor.pk != request.subject_id:
        raise NotPermitted(_("Only the learner who filed a request can withdraw it."))
    # The learner is emailed too, so a withdrawal from a stolen session does not go unnoticed.
    email_learner(take_step(request, "withdraw", actor=actor))
    if _acted_on_filing(request):
        handler_for(request.type).on_closed_unmet(request, actor=actor)
    return request


def _standing_of(request):
    """Return what the locked ``request`` keeps in force (a ``Standing``), or None when it is not completed.

    Raises:
        TransitionNotAllowed: its type keeps nothing in force (only a restriction of processing does).
    """
    handler = handler_for(request.type)
    if not handler.lasts:
        raise TransitionNotAllowed(_("%(type)s requests keep nothing in force to lift.") % {"type": handler.name})
    return standings_of([request]).get(request.pk)


@transaction.atomic
def request_lift_ask(*, actor, request):
    """Record that the learner asks staff to lift the restriction their completed ``request`` keeps in force.

    The step waits in the staff queue (filter "Learner asks to lift") until staff lift it
    (``request_lift``). Asking again while an ask waits changes nothing. The learner
    is emailed, so an ask from a stolen session does not go unnoticed. GDPR Art. 18.

    Returns:
        the request.

    Raises:
        NotPermitted: the actor is not the request's data subject.
        TransitionNotAllowed: not completed, not a type that keeps something in force, or already lifted.
    """
    request = locked(request)
    if actor is None or actor.pk != request.subject_id:
        raise NotPermitted(_("Only the learner whose data is restricted can ask to lift the restriction."))
    standing = _standing_of(request)
    if standing is not None and not standing.in_force:
        raise TransitionNotAllowed(_("This restriction is already lifted."))
    if standing is not None and standing.lift_asked_at is not None:
        return request
    email_learner(take_step(request, "ask_lift", actor=actor))
    return request


@transaction.atomic
def request_lift(*, actor, request):
    """Lift what the completed ``request`` keeps in force, telling the learner first (GDPR Art. 18(3)).

    The event is recorded even when the restriction was already lifted elsewhere (the
    restrictions list), so a learner's ask does not wait in the queue for ever; the
    learner is then not emailed again.

    Raises:
        NotPermitted: not staff who work requests.
        TransitionNotAllowed: not completed, or not a type that keeps something in force.
        OSError (SMTP errors): the learner could not be told; nothing changed.
    """
    require_step(actor, "lift", request)
    request = locked(request)
    standing = _standing_of(request)
    in_force = standing is not None and standing.in_force
    take_step(
        request,
        "lift",
        actor=actor,
        note=gettext_noop("We lifted the restriction after telling you by email.") if in_force else "",
    )
    handler_for(request.type).lift(request, actor=actor)
    return request


@transaction.atomic
def request_assign(*, actor, request, assignee):
    """Assign ``request`` to ``assignee`` (a staff member with the work permission).

    Raises:
        NotPermitted, TransitionNotAllowed (closed request).
    """
    require_step(actor, "assign", request)
    require(assignee, WORK, _("give requests to %(assignee)s, who cannot work them") % {"assignee": assignee})
    request = locked(request)
    if request.assignee_id == assignee.pk:
        return request
    # The assignee is on the request; the note, which the learner sees, names nobody.
    take_step(request, "assign", actor=actor, assignee=assignee)
    return request


@transaction.atomic
def request_extend(*, actor, request, reason, months=0, days=0):
    """Extend the deadline once, as the request's regime allows, telling the learner why.

    GDPR and UK GDPR Art. 12(3): by one or two further months "where necessary,
    taking into account the complexity and number of the requests", told within
    the first month with the reasons. Cal. Civ. Code §1798.130(a)(2): once by 45
    more days, with notice within the first 45. The LGPD allows none. The new
    deadline is counted from receipt (``deadlines.extended_due_at``).

    Args:
        months, days: the extension, one of them (``compliance.regimes.DeadlineRule.extensions``).

    Raises:
        NotPermitted: not the privacy officer. TransitionNotAllowed: closed,
        already extended, past its first deadline, or a regime without extensions.
        InvalidRequestDetails: no reason, or an extension the regime does not allow
        (``field`` is ``months``).
    """
    require_step(actor, "extend", request)
    request = locked(request)
    if (refusal := extension_refusal(request)) is not None:
        raise TransitionNotAllowed(refusal)
    rule = regime(request.regime).deadline_for(request.type)
    try:
        extension = Period(months=months or 0, days=days or 0)
    except ValueError:
        extension = None
    if extension is None or not rule.allows(extension):
        allowed = get_text_list([str(choice) for choice in rule.extensions])  # "1 month or 2 months"
        raise InvalidRequestDetails(
            _("Under %(law)s, a deadline can be extended by %(allowed)s only.")
            % {"law": regime(request.regime).name, "allowed": allowed},
            field="months",
        )
    reason = clean_text(reason, "reason", required=True)
    new_due_at = extended_due_at(request.received_at, extension, regime_key=request.regime, request_type=request.type)
    event = take_step(
        request,
        "extend",
        actor=actor,
        note=reason,
        due_at=new_due_at,
        extended_at=timezone.now(),
        extension_reason=reason,
    )
    email_learner(event)
    return request


@transaction.atomic
def request_leftovers_resolve(*, actor, request, redact=(), dismiss=()):
    """Remove the erased identifiers from places, or mark places as checked; scan again; finish when clean.

    A redacted place keeps its text with ``[erased learner]`` where an identifier was
    (only free text can be redacted). A dismissed place is one the privacy officer
    checked by hand — someone else's data that reads the same (a new account with the
    old username, a name that is also a setting), or a record kept for a reason — and
    the scan skips it from now on. One event records the step (``redact``, or ``clear``
    when nothing else is found, which completes the request and deletes the identifiers
    it kept to scan for); the audit row names the places, never what they held. GDPR
    Art. 17(1), 5(2).

    Args:
        actor: the privacy officer (needs ``decide_erasure``).
        request: an erasure in ``completed_with_findings``.
        redact, dismiss: ``[Leftover.key, ...]`` (``"table.column.row"``) as the scan lists them.

    Returns:
        ``(redacted, refused, leftovers)``: how many places changed; ``[(key, detail)]``
        for places that cannot be redacted here; what the new scan still finds (empty
        when the erasure is finished).

    Raises:
        NotPermitted, TransitionNotAllowed.
    """
    require_step(actor, "remove_leftovers", request)
    request = locked(request)
    if request.status != Status.COMPLETED_WITH_FINDINGS:
        take_step(request, "redact", actor=actor)  # refused with the reason
    identifiers = request.erasure_identifiers
    redacted, refused = 0, []
    for key in redact:
        table, column, row = key.split(".", 2)
        try:
            redacted += erasure_leftover_redact(identifiers, table=table, column=column, row=row)
        except LeftoverNotRedactable as error:
            refused.append((key, error.detail))
    receipt = dict(request.result["erasure_receipt"])
    receipt["dismissed"] = sorted(set(receipt.get("dismissed", [])) | set(dismiss))
    receipt["redacted"] = receipt.get("redacted", 0) + redacted
    leftovers = erasure_leftovers(identifiers, request.subject, skip=frozenset(receipt["dismissed"]))
    receipt["scan"] = leftover_findings(leftovers)
    audit = {"redacted": list(redact), "dismissed": list(dismiss), "changed": redacted}
    counts = {"redacted": redacted, "dismissed": len(dismiss), "columns": len(findings_by_column(receipt["scan"]))}
    if leftovers:
        note = (
            _(
                "Removed the learner's identifiers from %(redacted)s place(s), marked %(dismissed)s as checked by "
                "hand; %(columns)s column(s) still hold one."
            )
            % counts
        )
        step, more = "redact", {}
    else:
        # Clean: the erasure is finished, and the identifiers kept to scan for are deleted.
        note = (
            _(
                "Removed the learner's identifiers from %(redacted)s place(s), marked %(dismissed)s as checked by "
                "hand; the scan now finds none."
            )
            % counts
        )
        step, more = "clear", {"erasure_identifiers": {}}

    result = {**request.result, "erasure_receipt": receipt}
    take_step(request, step, actor=actor, note=note, audit=audit, result=result, **more)
    return redacted, refused, leftovers


@transaction.atomic
def request_retry(*, actor, request):
    """Send a failed request back to processing.

    Raises:
        NotPermitted, TransitionNotAllowed.
    """
    require_step(actor, "retry", request)
    request = locked(request)
    take_step(request, "retry", actor=actor, attempts=0, progress_done=0, progress_total=0)
    process_later(request)
    return request
