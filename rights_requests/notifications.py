"""Emails about requests: to learners (only what they need, no profile data) and alerts to staff."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.languages import in_language_and_time_zone_of, in_language_of

from . import conf
from .agent_filings import filing_of
from .models import FOR_SOMEONE, OPEN_STATUSES, Filer, RequestEvent, Status
from .public_links import address_digest, download_url
from .regime_rights import complaint_of, title_cited
from .request_types import handler_for

SUBJECTS = {
    RequestEvent.Action.SUBMITTED: _("We received your request %(reference)s"),
    RequestEvent.Action.APPROVED: _("Your request %(reference)s is approved"),
    RequestEvent.Action.REJECTED: _("Your request %(reference)s was declined"),
    RequestEvent.Action.EXTENDED: _("We need more time for your request %(reference)s"),
    RequestEvent.Action.COMPLETED: _("Your request %(reference)s is complete"),
    RequestEvent.Action.WITHDRAWN: _("You withdrew your request %(reference)s"),
    RequestEvent.Action.LIFT_ASKED: _("You asked us to lift the restriction of your request %(reference)s"),
}
#: The acknowledgement of a request approved as it was filed: one email says both (one step, one email).
RECEIVED_AND_APPROVED = _("We received and approved your request %(reference)s")
#: The completion of a request that keeps something in force until it is lifted (``Handler.lasts``).
IN_FORCE = _("Your request %(reference)s is in force")


def request_event_email(event, *, tells_receipt=False, tells_approval=False):
    """Return the email telling the learner about ``event``, or None for events they are not emailed.

    Args:
        event: a ``RequestEvent`` with ``request__subject`` loaded.
        tells_receipt, tells_approval: for a completion, whether it also tells that the
            request was received, or approved by staff, because that step's own email had
            not gone out when the work was done (one email, not two in the same second).

    Returns:
        ``EmailMultiAlternatives`` (plain text with an HTML alternative) to the
        data subject's address, or None.
    """
    subject_line = SUBJECTS.get(event.action)
    if subject_line is None:
        return None
    request = event.request
    handler = handler_for(request.type)
    status = _status_told(event)
    approved_on_filing = event.action == RequestEvent.Action.SUBMITTED and status == Status.APPROVED
    lasting = event.action == RequestEvent.Action.COMPLETED and handler.lasts
    # Asking to lift leaves the restriction in force until staff lift it: its status is not "Completed".
    still_in_force = handler.lasts and event.action in (RequestEvent.Action.COMPLETED, RequestEvent.Action.LIFT_ASKED)
    if approved_on_filing:
        subject_line = RECEIVED_AND_APPROVED
    elif lasting:
        subject_line = IN_FORCE
    approval_told_here = event.action == RequestEvent.Action.COMPLETED and (handler.settles_at_once or tells_approval)
    # In the learner's language and time zone, whoever's step (a staff member's) it tells.
    with in_language_and_time_zone_of(request.subject):
        context = {
            "event": event,
            "request": request,
            "status": gettext("In force") if still_in_force else Status(status).label,
            "still_open": status in OPEN_STATUSES,
            "approved_on_filing": approved_on_filing,
            "in_force": lasting,
            "approval_told_here": approval_told_here,
            # Staff's approval, when told here, says more than the receipt (its note); it implies the receipt.
            "receipt_told_here": event.action == RequestEvent.Action.COMPLETED and tells_receipt and not tells_approval,
            "approval_note": _approval_note(request) if approval_told_here else "",
            "what_we_do": handler.what_we_do,
            "statement": handler.statement(request) if event.action == RequestEvent.Action.COMPLETED else [],
            "request_type": title_cited(request),
            "page_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("rights_requests:detail", args=[request.pk]),
            "complaint": complaint_of(request),
            **_without_sign_in(event, handler),
        }
        text = render_to_string("rights_requests/email/event.txt", context)
        html = render_to_string("rights_requests/email/event.html", context)
        subject_line = subject_line % {"reference": request.reference}
    message = EmailMultiAlternatives(subject=subject_line, body=text, to=[request.subject.email])
    message.attach_alternative(html, "text/html")
    return message


def _without_sign_in(event, handler):
    """Return what an email says of a request filed at ``/privacy/request/``: that it was, and the file's link.

    The acknowledgement tells the account's owner the request was filed without signing in
    (someone who read their mailbox). The completion of a request with a file carries a link
    to it for the verified address, when the account's email is still that address: the file
    goes to that address only (``public_links``).

    A request an agent or parent filed names them instead ("Filed for you by"), and never carries a
    link: its results are in the learner's account (``agents``).

    Returns:
        ``{"filed_without_sign_in": bool, "download_url": str, "download_days": int, "filed_for_you_by": str}``.
    """
    if event.request.filed_by in FOR_SOMEONE:
        filing = filing_of(event.request)
        return {"filed_without_sign_in": False, "download_url": "", "filed_for_you_by": filer_in_words(filing)}
    public_request = event.request.public_requests.filter(filed_by=Filer.SUBJECT).order_by("-created_at").first()
    if public_request is None:
        return {"filed_without_sign_in": False, "download_url": ""}
    url = ""
    same_address = address_digest(event.request.subject.email) == address_digest(public_request.email)
    if event.action == RequestEvent.Action.COMPLETED and handler.file_noun and same_address:
        url = download_url(public_request)
    return {"filed_without_sign_in": True, "download_url": url, "download_days": conf.DOWNLOAD_DAYS}


def filer_in_words(filing):
    """Return who filed ``filing`` for a learner, e.g. "Ana Ruiz (a parent or guardian)"; "" for none."""
    if filing is None:
        return ""
    return gettext("%(name)s (%(filer)s)") % {"name": filing.agent_name, "filer": FILER_IN_WORDS[filing.filed_by]}


#: Who filed a request for a learner, as a parenthesis after their name.
FILER_IN_WORDS = {
    Filer.AGENT: _("an authorised agent"),
    Filer.PARENT: _("a parent or guardian"),
}


def _approval_note(request):
    """Return staff's note on approving ``request`` (why some parts are not met), "" for none."""
    approval = request.events.filter(action=RequestEvent.Action.APPROVED, actor__isnull=False).order_by("-pk").first()
    return approval.note if approval else ""


#: Steps the portal takes by itself as a request is filed, which are not emailed on their own.
FILING_STEPS = {RequestEvent.Action.VERIFIED, RequestEvent.Action.APPROVED}


def _status_told(event):
    """Return the status an email about ``event`` reports: the status its step moved the request to.

    Except for the acknowledgement: filing a request takes further steps at once that
    are not emailed (a signed-in learner's identity is verified on the spot; access,
    portability and objection are approved too), so "We received your request" says
    where the request stands after them ("Approved"), not "Awaiting identity
    verification". Only automatic verify and approve steps count (a staff member's
    approval is emailed by itself). One query for the acknowledgement, none otherwise.
    """
    status = event.to_status
    if event.action != RequestEvent.Action.SUBMITTED:
        return status
    later = event.request.events.filter(pk__gt=event.pk).order_by("pk").values_list("action", "actor_id", "to_status")
    for action, actor_id, to_status in later:
        if action not in FILING_STEPS or actor_id is not None:
            break
        status = to_status
    return status


def staff_reminder_email(recipient, *, due_soon, overdue):
    """Return the reminder email to one staff member.

    Args:
        recipient: a staff user.
        due_soon: requests due within the reminder window that concern them.
        overdue: overdue requests (only for privacy officers; may be empty).

    Returns:
        ``EmailMultiAlternatives`` listing references, types and deadlines only.
    """
    context = {
        "due_soon": due_soon,
        "overdue": overdue,
        "admin_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("admin:rights_requests_rightsrequest_changelist"),
    }
    with in_language_of(recipient):
        parts = []
        if overdue:
            parts.append(gettext("%(count)s overdue") % {"count": len(overdue)})
        if due_soon:
            parts.append(
                ngettext(
                    "%(count)s due within %(days)s day", "%(count)s due within %(days)s days", conf.REMIND_WITHIN_DAYS
                )
                % {"count": len(due_soon), "days": conf.REMIND_WITHIN_DAYS}
            )
        message = EmailMultiAlternatives(
            subject=gettext("Data-rights requests: %(counts)s") % {"counts": get_text_list(parts, gettext("and"))},
            body=render_to_string("rights_requests/email/staff_reminder.txt", context),
            to=[recipient.email],
        )
        message.attach_alternative(render_to_string("rights_requests/email/staff_reminder.html", context), "text/html")
    return message


def file_unavailable_email(request_file, *, reason, recipients):
    """Return the alert to staff that a learner's file cannot be downloaded.

    Names the request's reference and the file's id only, never the learner.

    Args:
        request_file: the ``RequestFile`` (with ``request`` loaded).
        reason: what is wrong, in a few words ("missing from storage").
        recipients: email addresses.

    Returns:
        ``EmailMultiAlternatives`` (plain text).
    """
    reference = request_file.request.reference
    admin_url = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "admin:rights_requests_rightsrequest_change", args=[request_file.request_id]
    )
    with translation.override(settings.LANGUAGE_CODE):  # addresses only: the platform's language
        return EmailMultiAlternatives(
            subject=gettext("Download unavailable: the file of request %(reference)s is %(reason)s")
            % {"reference": reference, "reason": reason},
            body=render_to_string(
                "rights_requests/email/file_unavailable.txt",
                {"reference": reference, "request_file": request_file, "reason": reason, "admin_url": admin_url},
            ),
            to=recipients,
        )


def staff_failure_email(recipient, *, request):
    """Return the email telling a staff member that ``request`` failed and waits for a retry.

    Only the reference, type and the failure note: no personal data of the learner.
    """
    event = request.events.filter(action=RequestEvent.Action.FAILED).order_by("-created_at", "-id").first()
    path = reverse("admin:rights_requests_rightsrequest_change", args=[request.pk])
    url = settings.PORTAL_BASE_URL.rstrip("/") + path
    with in_language_of(recipient):
        body = gettext(
            "Processing of the data-rights request %(reference)s (%(type)s) failed:\n\n%(note)s\n\n"
            'Retry it from the staff queue once the cause is fixed (action "Retry failed"):\n%(url)s\n'
        ) % {
            "reference": request.reference,
            "type": request.get_type_display(),
            "note": event.note_in_words() if event else "",
            "url": url,
        }
        subject = gettext("Data-rights request %(reference)s failed and needs a retry") % {
            "reference": request.reference
        }
    return EmailMultiAlternatives(subject=subject, body=body, to=[recipient.email])
