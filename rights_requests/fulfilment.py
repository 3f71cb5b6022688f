"""How approved requests are carried out.

A request type with a registered handler is carried out by the processing task
without staff; the handler returns the note the learner is told, or None when
this particular request needs a person (it then waits in the queue). A type without
a handler waits in ``processing`` until staff carry it out and complete it in
the admin queue with a note.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import dateformat, timezone

from accounts.models import Profile
from accounts.services import profile_changes_validate, profile_update
from privacy.erasure import erasure_execute
from privacy.models import Consent
from privacy.registry import Purpose
from privacy.services import consent_record, restriction_start

from .files import request_file_store
from .models import RequestFile, RequestType, RightsRequest
from .portability import portable_export_zip
from .reports import access_report_html

Handler = Callable[[RightsRequest], str | None]

_handlers: dict[str, Handler] = {}


def register(request_type, handler: Handler):
    """Have ``handler(request) -> note`` carry out requests of ``request_type``."""
    _handlers[request_type] = handler


def unregister(request_type):
    """Remove the handler of ``request_type``; return it, or None."""
    return _handlers.pop(request_type, None)


def handler_for(request_type) -> Handler | None:
    """Return the handler of ``request_type``, or None when staff carry it out."""
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
    """Stop the processing the learner objected to (GDPR Art. 21); marketing stops for good (Art. 21(3))."""
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
        lines.append(
            "Our team did not make these corrections: "
            + ", ".join(_label(name) for name in declined)
            + " (the reason is in the approval above)."
        )
    return " ".join(lines) or "We made no change."


def _label(name):
    return str(Profile._meta.get_field(name).verbose_name).lower()


def fulfil_erasure(request):
    """Erase the learner's data per the registry and keep the receipt on the request (GDPR Art. 17).

    The learner's address is read before it is erased, and the confirmation is sent to
    it straight after the commit — it is not written anywhere (not even a task queue).
    """
    email = request.subject.email
    files = list(RequestFile.objects.filter(request__subject=request.subject).values_list("storage_name", flat=True))
    receipt = erasure_execute(subject=request.subject)
    transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
    RightsRequest.objects.filter(pk=request.pk).update(result={"erasure_receipt": receipt})
    transaction.on_commit(lambda: _confirm_erasure(email, request.reference, receipt))
    left = len(receipt["scan"])
    return (
        "We erased your data and closed your account. We keep only what the law requires, such as "
        "payment records, without your name on them."
        + (f" Our check found {left} place(s) still to clean by hand; our team is on it." if left else "")
    )


def _confirm_erasure(email, reference, receipt):
    send_mail(
        f"Your data is erased ({reference})",
        "Hello,\n\nAs you asked, we erased your personal data and closed your Learner Portal account. "
        "We keep only what the law requires (payment records, the record of your request), without your "
        "name on them.\n\n-- Learner Portal privacy team\n",
        None,
        [email],
    )


def fulfil_access(request):
    """Prepare the learner's access report, encrypted at rest, to download for a while (GDPR Art. 15(1), (3))."""
    html = access_report_html(request.subject)
    request_file = request_file_store(
        request=request, kind=RequestFile.Kind.ACCESS_REPORT, content=html.encode("utf-8")
    )
    until = dateformat.format(timezone.localtime(request_file.expires_at), "j F Y")
    return (
        "Your report of all the data we hold about you is ready. Download it from this page, signed in, "
        f"until {until}; after that it is deleted and you can ask for a new one."
    )


def fulfil_portability(request):
    """Prepare the learner's portable copy (ZIP of JSON and CSV), encrypted at rest (GDPR Art. 20)."""
    request_file = request_file_store(
        request=request, kind=RequestFile.Kind.PORTABLE_EXPORT, content=portable_export_zip(request.subject)
    )
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
    register(RequestType.ACCESS, fulfil_access)
    register(RequestType.ERASURE, fulfil_erasure)
    register(RequestType.PORTABILITY, fulfil_portability)
