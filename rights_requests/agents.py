"""Requests filed for a learner by someone else at ``/privacy/request/``: authorised agents and parents.

Who may: an authorised agent with the learner's signed permission (Cal. Code Regs. tit. 11
§7063(a)(1); under the GDPR and UK GDPR, a representative the data subject chose), or a parent or
guardian of a learner under the digital age of consent (GDPR Art. 8(1): 16 unless a member state
set 13–15; 13 in the UK, Data Protection Act 2018 s. 9). They give their own name and address,
proved by the emailed code every request without sign-in needs (``public``), the learner's
address and the signed authorisation (``authorisations``: judged by content, stored encrypted).

What staff do (§7063(a)): verify the filer's authority (``agent_authority_verify``, after opening
the authorisation, ``authorisation_open``, which is audited), then the learner's identity, directly
with them (``services.request_verify``). Until both are recorded the request waits in
``awaiting_verification``: its handler does nothing on filing, and nothing can be approved, carried
out or released. Staff may refuse instead, with a reason (``services.request_reject``; without an
account, ``public_request_refuse``).

Where results go: to the learner's own account, never to the filer, under every regime. The CCPA
lets a business answer an authorised agent, and nothing obliges it to; the GDPR speaks of the data
subject. A forged authorisation then yields nothing to its forger, and a parent of a child with an
account reads it with the child. An erasure needs both checks and the privacy officer's approval,
as every erasure does.

The learner is emailed, in their language, when someone files for them (``agent_emails``), with
a link to object (``agent_request_object``), which cancels the request until its work starts.
The signed authorisation is deleted ``RIGHTS_REQUESTS_AUTHORISATION_KEEP_DAYS`` after the
request is closed (``authorisations_prune``), and with the learner's erasure (the registry).
"""

import datetime
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from compliance.services import staff_access_record

from . import conf
from .agent_emails import agent_refusal_email, send_quietly
from .agent_filings import filing_of
from .authorisations import authorisation_check, authorisation_delete, authorisation_read
from .details import AGENT_NAME_MAX, clean_text
from .exceptions import InvalidRequestDetails, NotPermitted, TransitionNotAllowed
from .models import FOR_SOMEONE, OPEN_STATUSES, Filer, PublicRequest, PublicRequestEvent, RequestEvent
from .permissions import WORK, require
from .request_types import handler_for
from .steps import require_step
from .tasks import send_agent_outcome_email
from .workflow import TRANSITIONS, locked, record_event, take_step

#: Characters a name may hold besides letters and combining marks: spaces, apostrophes, hyphens, dots.
_NAME_PUNCTUATION = frozenset(" '’-‐.")


def agent_name_clean(value):
    """Return the name an agent or parent typed, checked to be a person's name: spaces collapsed.

    Their name goes into the email we send the learner (``agent_emails``), so it may hold only
    letters, combining marks, spaces, apostrophes, hyphens and dots, at most ``AGENT_NAME_MAX``
    characters: no digits, links, addresses or colons, nothing that reads as a message of ours.

    Raises:
        InvalidRequestDetails: naming ``agent_name``.
    """
    name = " ".join(clean_text(value, "agent_name", required=True).split())
    if len(name) > AGENT_NAME_MAX:
        raise InvalidRequestDetails(
            _("Keep it to %(limit)s characters or fewer.") % {"limit": AGENT_NAME_MAX}, field="agent_name"
        )
    if not any(char.isalpha() for char in name) or any(
        not (unicodedata.category(char)[0] in "LM" or char in _NAME_PUNCTUATION) for char in name
    ):
        raise InvalidRequestDetails(
            _("Give your name only: letters, spaces, apostrophes, hyphens and dots (no digits, links or addresses)."),
            field="agent_name",
        )
    return name


def agent_filing_clean(*, filed_by, agent_name, learner_email, email, authorisation):
    """Return who files a new request without sign-in, checked: ``{"filed_by", "agent_name", "learner_email"}``.

    For someone else (an agent or a parent) each is needed: their name, the learner's address (not
    their own: asking about one's own data is the other choice) and the signed authorisation, judged
    here (``authorisations.authorisation_check``) and stored once the request is saved. For oneself,
    what was typed in them is left out.

    Raises:
        InvalidRequestDetails: ``errors`` names every field that is wrong (``filed_by``, ``agent_name``,
            ``learner_email``, ``authorisation``).
    """
    if filed_by not in Filer.values:
        raise InvalidRequestDetails(_("Choose who is asking."), field="filed_by")
    if filed_by == Filer.SUBJECT:
        return {"filed_by": Filer.SUBJECT, "agent_name": "", "learner_email": ""}
    errors = {}
    name = ""
    try:
        name = agent_name_clean(agent_name)
    except InvalidRequestDetails as error:
        errors.update(error.errors)
    learner_email = (learner_email or "").strip()
    if not learner_email:
        errors["learner_email"] = _("Please fill this in.")
    elif learner_email.lower() == (email or "").strip().lower():
        errors["learner_email"] = _(
            "This is your own address. To ask about your own data, choose “I am asking about my own data”."
        )
    if authorisation is None:
        errors["authorisation"] = _("Upload the authorisation, signed.")
    else:
        try:
            authorisation_check(authorisation)
        except InvalidRequestDetails as error:
            errors.update(error.errors)
    if errors:
        field = next(iter(errors))
        raise InvalidRequestDetails(errors[field], field=field, errors=errors)
    return {"filed_by": filed_by, "agent_name": name, "learner_email": learner_email}


def _locked_filing(public_request):
    return PublicRequest.objects.select_for_update().get(pk=public_request.pk)


def require_for_filing(actor, public_request, what, what_of_one):
    """Return if ``actor`` may ``what`` on an agent's or parent's filing with no account found: as on an account.

    Staff who work requests; for an erasure, the privacy officer only (``Handler.require_decider``),
    as its steps are on the request of an account (``steps._decides``): verifying the filer's
    authority, the reply that we hold no data about the address, and the refusal. GDPR Art. 12(6).

    Args:
        what: ends the refusal "You are not allowed to …" ("answer requests").
        what_of_one: ends it before the words of a type with its own permission ("answer" + " an erasure
            request; …", ``Handler.decide_refusal``).

    Raises:
        NotPermitted.
    """
    require(actor, WORK, what)
    handler = handler_for(public_request.type)
    if handler.requires_recent_password:
        handler.require_decider(actor, what_of_one)


def _require_opened(public_request):
    """Refuse to verify the authority of the filer of ``public_request`` before staff opened its authorisation.

    The authorisation is the evidence: verifying it unseen is no check (Cal. Code Regs. tit. 11
    §7063(a)(1)). Someone on staff must have opened it (an ``authorisation_opened`` event).

    Raises:
        TransitionNotAllowed.
    """
    opened = public_request.events.filter(action=PublicRequestEvent.Action.AUTHORISATION_OPENED).exists()
    if not opened:
        raise TransitionNotAllowed(
            _("Open the signed authorisation first (the link on the request's page), then verify the authority.")
        )


def _record_authority(public_request, actor, note=""):
    """Record on the locked ``public_request`` that ``actor`` verified the filer's authority (who, when, how)."""
    public_request.authority_verified_at = timezone.now()
    public_request.authority_verified_by = actor
    public_request.save(update_fields=["authority_verified_at", "authority_verified_by"])
    PublicRequestEvent.objects.create(
        public_request=public_request, actor=actor, action=PublicRequestEvent.Action.AUTHORITY_VERIFIED, note=note
    )


@transaction.atomic
def agent_authority_verify(*, actor, request, note):
    """Record that staff verified the authority of the agent or parent who filed ``request`` for the learner.

    The first of the two checks (Cal. Code Regs. tit. 11 §7063(a)(1)); the learner's identity is
    the second (``services.request_verify``). Written as the request's event, with ``note`` (the
    learner sees it in the request's history), and audited; the filing keeps who and when.

    Args:
        actor: staff who work requests (for an erasure, the privacy officer).
        request: a ``RightsRequest`` an agent or parent filed, ``awaiting_verification``.
        note: how they checked, e.g. "The authorisation is signed by the learner and names this agent".

    Raises:
        NotPermitted. TransitionNotAllowed: not filed by an agent or parent, already verified, not
        awaiting verification, or its authorisation not opened yet (``authorisation_open``).
        InvalidRequestDetails: no note.
    """
    require_step(actor, "verify_authority", request)
    request = locked(request)
    filing = filing_of(request)
    if filing is None:
        raise TransitionNotAllowed(_("Only a request an agent or parent filed has an authority to verify."))
    filing = _locked_filing(filing)
    if filing.authority_verified_at is not None:
        raise TransitionNotAllowed(_("The authority of the agent or parent is already verified."))
    _require_opened(filing)
    note = clean_text(note, "note", required=True)
    take_step(request, "verify_authority", actor=actor, note=note)
    _record_authority(filing, actor, note)
    return request


@transaction.atomic
def public_request_authority_verify(*, actor, public_request, note):
    """Record that staff verified the authority of an agent or parent whose learner has no account.

    Needed before the reply that we hold no data about the learner's address
    (``public.public_request_answer_no_data``): that reply tells whether an account exists. As on
    an account's request: after someone opened the authorisation, with ``note`` (how they checked),
    and for an erasure by the privacy officer only (``require_for_filing``).

    Raises:
        NotPermitted: not staff allowed to (``require_for_filing``); not a request filed for someone with
        no account found, or verified already. TransitionNotAllowed: the authorisation not opened yet.
        InvalidRequestDetails: no note.
    """
    require_for_filing(
        actor,
        public_request,
        pgettext("not allowed to", "verify the authority of agents and parents"),
        pgettext("not allowed to", "verify the authority of who filed"),
    )
    public_request = _locked_filing(public_request)
    if not public_request.for_someone or public_request.status != PublicRequest.Status.NO_ACCOUNT:
        raise NotPermitted(_("Only a request an agent or parent filed, with no account found, is verified here."))
    if public_request.authority_verified_at is not None:
        raise NotPermitted(_("The authority of the agent or parent is already verified."))
    _require_opened(public_request)
    _record_authority(public_request, actor, clean_text(note, "note", required=True))
    return public_request


@transaction.atomic
def public_request_refuse(*, actor, public_request):
    """Answer an agent or parent whose authority could not be verified, and close their request (no account found).

    The reply says we could not verify that they may act for the learner and how to ask again; it
    tells nothing about whether the learner has an account. Cal. Code Regs. tit. 11 §7063(b).

    Raises:
        NotPermitted: not staff allowed to (``require_for_filing``: an erasure's is the privacy officer's);
        not a request filed for someone with no account found.
    """
    require_for_filing(actor, public_request, _("answer requests"), pgettext("not allowed to", "answer"))
    public_request = _locked_filing(public_request)
    if not public_request.for_someone or public_request.status != PublicRequest.Status.NO_ACCOUNT:
        raise NotPermitted(_("Only a request an agent or parent filed, with no account found, is refused here."))
    public_request.status = PublicRequest.Status.REFUSED
    public_request.closed_at = timezone.now()
    public_request.save(update_fields=["status", "closed_at"])
    PublicRequestEvent.objects.create(
        public_request=public_request, actor=actor, action=PublicRequestEvent.Action.REFUSED_REPLY
    )
    message = agent_refusal_email(public_request)
    transaction.on_commit(lambda: send_quietly(message))
    return public_request


@dataclass(frozen=True)
class OpenedAuthorisation:
    """A signed authorisation as staff download it: its plain bytes, media type and a file name."""

    content: bytes
    content_type: str
    filename: str


@transaction.atomic
def authorisation_open(*, actor, public_request):
    """Return the signed authorisation of ``public_request`` for staff, and record who opened it.

    Each opening is an event of the filing and, when it is for an account, a row of the learner's
    audit log they see as staff viewing their data (GDPR Art. 5(2), 15(1)(c)).

    Raises:
        NotPermitted: not staff who work requests.
        TransitionNotAllowed: no authorisation (none was given, or it was deleted).
        AuthorisationUnavailable: the stored file cannot be read.
    """
    require(actor, WORK, _("open signed authorisations"))
    if not public_request.authorisation:
        raise TransitionNotAllowed(_("This request has no signed authorisation (any there was is deleted)."))
    content = authorisation_read(public_request)
    PublicRequestEvent.objects.create(
        public_request=public_request, actor=actor, action=PublicRequestEvent.Action.AUTHORISATION_OPENED
    )
    reference = public_request.rights_request.reference if public_request.rights_request else ""
    if public_request.subject is not None and public_request.subject_id != actor.pk:
        staff_access_record(
            actor=actor,
            subject=public_request.subject,
            view=gettext_noop("the signed authorisation of the agent or parent who asked for you"),
            request_reference=reference,
        )
    extension = public_request.get_authorisation_type_display().lower()
    return OpenedAuthorisation(
        content,
        public_request.authorisation_type,
        f"authorisation-{reference or str(public_request.pk)[:8]}.{extension}",
    )


def objection_open(public_request):
    """Return whether the learner may still cancel what the agent or parent filed (its work has not started)."""
    rights_request = public_request.rights_request
    if public_request.objected_at is not None or rights_request is None:
        return False
    if rights_request.filed_by not in FOR_SOMEONE:
        return rights_request.status in OPEN_STATUSES  # joined their own request: the objection is recorded
    return rights_request.status in TRANSITIONS["object"].sources


@transaction.atomic
def agent_request_object(*, public_request):
    """Record that the learner did not authorise the agent or parent who filed for them, and cancel the request.

    Called from the link in the email telling the learner of the filing (``agent_emails``), which
    proves their mailbox as a request without sign-in does. The request is withdrawn with an
    event (``object``), audited as the learner's act; the filer is told it was cancelled. A request
    the learner had filed themselves, which the filing joined or she took over, goes on: the filing is
    marked and the objection recorded on the request (``objection_noted``) for staff and her timeline.

    Returns:
        the ``PublicRequest``, ``objected_at`` set.

    Raises:
        TransitionNotAllowed: the work has started or is done, or the learner objected already.
    """
    public_request = PublicRequest.objects.select_for_update().get(pk=public_request.pk)
    if not objection_open(public_request):
        raise TransitionNotAllowed(
            _("This request can no longer be cancelled here: its work has started or is done. Reply to our email.")
        )
    rights_request = locked(public_request.rights_request)
    public_request.objected_at = timezone.now()
    public_request.save(update_fields=["objected_at"])
    PublicRequestEvent.objects.create(public_request=public_request, action=PublicRequestEvent.Action.OBJECTED)
    if rights_request.filed_by in FOR_SOMEONE:
        event = take_step(
            rights_request,
            "object",
            actor=rights_request.subject,
            note=gettext_noop("You told us you had not authorised this request, so we cancelled it."),
        )
        transaction.on_commit(lambda: send_agent_outcome_email.enqueue(event_id=event.pk))
    else:
        record_event(
            rights_request,
            actor=rights_request.subject,
            action=RequestEvent.Action.OBJECTION_NOTED,
            from_status=rights_request.status,
            note=gettext_noop(
                "You told us you had not authorised the person who asked for this for you. It is your own request, "
                "so it goes on."
            ),
        )
    return public_request


def _closed_filings(now):
    """Return the filings with an authorisation whose request closed more than ``AUTHORISATION_KEEP_DAYS`` ago."""
    before = now - datetime.timedelta(days=conf.AUTHORISATION_KEEP_DAYS)
    answered = Q(status__in=[PublicRequest.Status.ANSWERED, PublicRequest.Status.REFUSED], closed_at__lte=before)
    carried_out_or_cancelled = Q(
        status=PublicRequest.Status.FILED,
        rights_request__updated_at__lte=before,
    ) & ~Q(rights_request__status__in=OPEN_STATUSES)
    return PublicRequest.objects.exclude(authorisation="").filter(
        answered | carried_out_or_cancelled | Q(objected_at__lte=before)
    )


def authorisations_prune(*, now=None):
    """Delete the signed authorisations no longer needed: ``AUTHORISATION_KEEP_DAYS`` after their request closed.

    Closed: answered or refused (no account), carried out, rejected, withdrawn or cancelled by the
    learner. The record that one was given (its kind, size and who verified it) stays with the
    request. GDPR Art. 5(1)(c), (e); Cal. Code Regs. tit. 11 §7101 keeps the request's record, not the document.

    Returns:
        int: how many files were deleted.
    """
    now = now or timezone.now()
    deleted = 0
    for pk in _closed_filings(now).values_list("pk", flat=True):
        with transaction.atomic():
            public_request = PublicRequest.objects.select_for_update().get(pk=pk)
            authorisation_delete(public_request=public_request, now=now)
        deleted += 1
    return deleted
