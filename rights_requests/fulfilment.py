"""How approved requests are carried out.

A request type with a registered handler is carried out by the processing task
without staff; the handler returns the note the learner is told, or None when
this particular request needs a person (it then waits in the queue). A type without
a handler waits in ``processing`` until staff carry it out and complete it in
the admin queue with a note.

Handlers that change data run inside one database transaction with the
completion, so a failure half-way changes nothing. Handlers that only read
(the access report, the portable copy) run outside it, so that their progress
is visible to the learner while they work; they store their result in one
short transaction at the end.
"""

from collections.abc import Callable
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import dateformat, timezone

from accounts.models import Profile
from accounts.services import profile_changes_validate, profile_update
from compliance.erasure import erasure_execute, subject_identifiers
from compliance.notice import kept_after_erasure
from compliance.registry import Purpose
from compliance.services import data_subject_lock
from privacy.models import Consent
from privacy.services import consent_record, restriction_start

from . import conf
from .files import request_file_store
from .models import RequestEvent, RequestFile, RequestType, RightsRequest
from .portability import portable_export_file
from .progress import Progress
from .reports import access_report_file
from .services import request_progress_report

Handler = Callable[[RightsRequest], str | None]


class Registration(NamedTuple):
    """A request type's handler and whether the task runs it inside the completing transaction."""

    handler: Handler
    atomic: bool


_handlers: dict[str, Registration] = {}


def register(request_type, handler: Handler, *, atomic=True):
    """Have ``handler(request) -> note`` carry out requests of ``request_type``.

    Args:
        atomic: False for a handler that changes no data but its own result
            (stored in a transaction of its own), so that it may report progress.
    """
    _handlers[request_type] = Registration(handler, atomic)


def unregister(request_type):
    """Remove the registration of ``request_type``; return it, or None."""
    return _handlers.pop(request_type, None)


def registration_for(request_type) -> Registration | None:
    """Return how requests of ``request_type`` are carried out, or None when staff carry them out."""
    return _handlers.get(request_type)


def fulfil_restriction(request):
    """Restrict all optional processing of the learner's data at once (GDPR Art. 18(1))."""
    reason = request.details.get("reason") or f"Restriction request {request.reference}"
    restriction_start(actor=None, user=request.subject, reason=reason)
    return (
        "We have stopped every optional use of your data (recommendations, research, sharing with "
        "course partners, news by email) until the restriction is lifted. We will tell you before we lift it."
    )


def fulfil_objection(request):
    """Stop the processing the learner objected to (GDPR Art. 21); privacy's ledger keeps marketing off for good."""
    purposes = request.details.get("purposes", [])
    for purpose in purposes:
        consent_record(
            actor=None, user=request.subject, purpose=purpose, granted=False, source=Consent.Source.OBJECTION
        )
    stopped = ", ".join(Purpose(purpose).label.lower() for purpose in purposes)
    return f"We have stopped using your data to: {stopped}."


def fulfil_rectification(request):
    """Apply the corrections the learner proposed, with the Account tab's own rules (GDPR Art. 16).

    Each proposed value is checked on its own: valid ones are applied (audited as
    any profile change), refused ones are reported to the learner with the reason.
    A correction described only in words is left for staff (returns None).
    """
    changes = request.details.get("changes") or {}
    if not changes:
        return None
    approved = request.details.get("approved_fields")
    declined = [] if approved is None else [name for name in changes if name not in approved]
    if approved is not None:
        changes = {name: value for name, value in changes.items() if name in approved}
    accepted, refused = {}, {}
    for name, value in changes.items():
        try:
            accepted |= profile_changes_validate(user=request.subject, changes={name: value})
        except ValidationError as error:
            refused[name] = error.message_dict[name][0]
    if accepted:
        profile_update(actor=None, user=request.subject, data=accepted)
    lines = []
    if accepted:
        lines.append("We corrected: " + ", ".join(_label(name) for name in accepted) + ".")
    lines.extend(f"We could not change {_label(name)}: {reason}" for name, reason in refused.items())
    if declined:
        approval = request.events.filter(action=RequestEvent.Action.APPROVED).order_by("-created_at").first()
        lines.append(
            "Our team did not make these corrections: "
            + ", ".join(_label(name) for name in declined)
            + f". Why: {approval.note.strip()}"
        )
    if declined or refused:
        # GDPR Art. 12(4): a learner whose request is not met is told of the right to complain.
        lines.append(
            "If you disagree, reply to our email or ask again; you may also complain to a supervisory "
            f"authority, such as {conf.SUPERVISORY_AUTHORITY}."
        )
    return " ".join(lines) or "We made no change."


def _label(name):
    return str(Profile._meta.get_field(name).verbose_name).lower()


def fulfil_erasure(request):
    """Erase the learner's data per the registry and keep the receipt on the request (GDPR Art. 17).

    The learner's address is read before it is erased, and the confirmation is sent to
    it straight after the commit — it is not written anywhere (not even a task queue).
    When the receipt's scan finds an identifier left somewhere, the identifiers are
    kept on the request, encrypted, for the privacy officer's redaction and scan
    (``services.request_leftovers_resolve``); the request completes with findings.
    """
    # Lock the account first: a request the learner files from now on waits for this transaction and then
    # finds the account closed (``request_submit``); one filed before is closed with the others.
    data_subject_lock(request.subject_id)
    email = request.subject.email
    identifiers = subject_identifiers(request.subject)
    files = list(RequestFile.objects.filter(request__subject=request.subject).values_list("storage_name", flat=True))
    receipt = erasure_execute(subject=request.subject)
    transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
    RightsRequest.objects.filter(pk=request.pk).update(
        result={"erasure_receipt": receipt}, erasure_identifiers=identifiers if receipt["scan"] else {}
    )
    transaction.on_commit(lambda: _confirm_erasure(email, request.reference, receipt))
    return (
        "We erased your data and closed your account. We keep only what the law requires, such as "
        "payment records, without your name on them."
        + (
            " Our check found your former details in a few more places, such as notes; our privacy team is "
            "removing them."
            if receipt["scan"]
            else ""
        )
    )


def _confirm_erasure(email, reference, receipt):
    kept = "\n".join(f"- {description}. {what}" for description, what in kept_after_erasure(receipt["records"]))
    send_mail(
        f"Your data is erased ({reference})",
        "Hello,\n\nAs you asked, we erased your personal data and closed your Learner Portal account. "
        "Everything else we held about you is deleted. We keep only these records, because the law "
        f"requires it or to show that your data was handled lawfully:\n\n{kept}\n\n"
        "-- Learner Portal privacy team\n",
        None,
        [email],
    )


def _progress_of(request):
    return Progress(lambda done, total: request_progress_report(request=request, done=done, total=total))


def fulfil_access(request):
    """Prepare the learner's access report, encrypted at rest, to download for a while (GDPR Art. 15(1), (3)).

    Runs outside a transaction (it reads only), reporting its progress on the request.
    """
    with access_report_file(request.subject, progress=_progress_of(request)) as report:
        request_file = request_file_store(request=request, kind=RequestFile.Kind.ACCESS_REPORT, source=report)
    until = dateformat.format(timezone.localtime(request_file.expires_at), "j F Y")
    return (
        "Your report of all the data we hold about you is ready. Download it from this page, signed in, "
        f"until {until}; after that it is deleted and you can ask for a new one."
    )


def fulfil_portability(request):
    """Prepare the learner's portable copy (ZIP of JSON and CSV), encrypted at rest (GDPR Art. 20).

    Runs outside a transaction (it reads only), reporting its progress on the request.
    """
    with portable_export_file(request.subject, progress=_progress_of(request)) as archive:
        request_file = request_file_store(request=request, kind=RequestFile.Kind.PORTABLE_EXPORT, source=archive)
    until = dateformat.format(timezone.localtime(request_file.expires_at), "j F Y")
    return (
        "Your portable copy (a ZIP of JSON and CSV files) is ready. Download it from this page, signed in, "
        f"until {until}; after that it is deleted and you can ask for a new one."
    )


def register_default_handlers():
    """Register the handlers of the rights this portal carries out without staff."""
    register(RequestType.RESTRICTION, fulfil_restriction)
    register(RequestType.OBJECTION, fulfil_objection)
    register(RequestType.RECTIFICATION, fulfil_rectification)
    register(RequestType.ACCESS, fulfil_access, atomic=False)
    register(RequestType.ERASURE, fulfil_erasure)
    register(RequestType.PORTABILITY, fulfil_portability, atomic=False)
