"""Views of the rights_requests app: Settings → Your data, where learners file and follow requests."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from accounts.models import Profile
from compliance.registry import Purpose
from privacy.reauthentication import reauthentication_redirect, recently_authenticated

from . import conf
from .deadlines import due_at_for
from .exceptions import (
    DownloadExpired,
    DuplicateOpenRequest,
    InvalidRequestDetails,
    RequestFileUnavailable,
    TransitionNotAllowed,
)
from .files import latest_file_of, live_file_of, request_download
from .forms import FORMS, RectificationRequestForm, profile_field_label, profile_value_text, profile_values_as_text
from .models import RequestType, Status
from .selectors import access_own_request, open_request_of, outcome_of, requests_of, status_explained, timeline_of
from .services import RECTIFIABLE_FIELDS, request_submit, request_withdraw
from .workflow import allowed_steps


@dataclass(frozen=True)
class Right:
    """How the portal explains one right to a learner."""

    title: str
    summary: str
    action: str
    article: str
    what_we_do: str


#: The six rights, in plain words, in the order the page lists them.
RIGHTS = {
    RequestType.ACCESS: Right(
        title="Get a copy of your data",
        summary="Find out what personal data we hold about you, why we use it, who we share it with "
        "and how long we keep it.",
        action="Ask for a copy",
        article="GDPR Art. 15",
        what_we_do="We put together a report of all the data we hold about you, with the reasons we hold it.",
    ),
    RequestType.RECTIFICATION: Right(
        title="Correct your data",
        summary="If something we hold about you is wrong or incomplete, ask us to correct it.",
        action="Ask for a correction",
        article="GDPR Art. 16",
        what_we_do="Our privacy team checks the corrections you propose, then makes them.",
    ),
    RequestType.ERASURE: Right(
        title="Delete your account and data",
        summary="Ask us to erase your personal data and close your account for good. "
        "We keep only what the law makes us keep, such as payment records, without your name on them.",
        action="Ask for erasure",
        article="GDPR Art. 17",
        what_we_do="Our privacy officer reviews the request. Once it is approved, we erase your data "
        "and close your account.",
    ),
    RequestType.RESTRICTION: Right(
        title="Pause the use of your data",
        summary="Ask us to keep your data but stop using it for now, for example while we check that it is correct.",
        action="Ask for a restriction",
        article="GDPR Art. 18",
        what_we_do="From the moment you send it, we stop every optional use of your data (recommendations, "
        "research, sharing with course partners, news by email) while our privacy team reviews your reason, "
        "and for as long as the restriction lasts. We tell you before we lift it.",
    ),
    RequestType.PORTABILITY: Right(
        title="Take your data elsewhere",
        summary="Get the data you gave us and your learning history in files other services can read "
        "(JSON and CSV), to keep or to move to another provider.",
        action="Ask for a portable copy",
        article="GDPR Art. 20",
        what_we_do="We prepare a file with your data for you to download.",
    ),
    RequestType.OBJECTION: Right(
        title="Object to how we use your data",
        summary="Tell us to stop using your data for course news by email, recommendations, research "
        "or sharing your progress with course partners.",
        action="Raise an objection",
        article="GDPR Art. 21",
        what_we_do="We stop using your data for the uses you choose.",
    ),
}

#: Request types whose result is a file to download, prepared with visible progress.
FILE_TYPES = {RequestType.ACCESS, RequestType.PORTABILITY}


def details_as_text(rights_request):
    """Return what the learner asked for as ``[(label, text), ...]`` rows."""
    details = rights_request.details
    changes = details.get("changes", {})
    # Stored as jsonb, which does not keep key order: list the fields in profile order.
    order = [name for name in RECTIFIABLE_FIELDS if name in changes] + sorted(set(changes) - set(RECTIFIABLE_FIELDS))
    rows = [
        (f"{profile_field_label(name)} should be", profile_value_text(name, changes[name]))
        if changes[name] not in ("", None)
        else (profile_field_label(name), "Remove it: leave it empty")
        for name in order
    ]
    if details.get("purposes"):
        purposes = [Purpose(p).label if p in Purpose.values else p for p in details["purposes"]]
        rows.append(("Uses you object to", "; ".join(purposes)))
    if details.get("reason"):
        rows.append(("Your reason", details["reason"]))
    if details.get("note"):
        rows.append(("Your note", details["note"]))
    return rows


def profile_of(user):
    """Return the user's profile (a read this module needs; it belongs in ``accounts.selectors``)."""
    return Profile.objects.get(user=user)


def _day(moment):
    return dateformat.format(timezone.localtime(moment), "j F Y")


def _already_open(existing):
    return (
        f"You already have an open request of this kind ({existing.reference}), so we did not start another. "
        "Here is where it stands."
    )


@login_required
@require_safe
def data_rights(request):
    """Your data tab: the six rights explained, a way to start each, and the learner's requests."""
    rights_requests = list(requests_of(request.user))
    open_by_type = {item.type: item for item in rights_requests if item.is_open}
    return render(
        request,
        "rights_requests/index.html",
        {
            "tab": "data",
            "rights": [(request_type, right, open_by_type.get(request_type)) for request_type, right in RIGHTS.items()],
            "rows": [(item, RIGHTS[item.type]) for item in rights_requests],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_new(request, request_type):
    """Start a request of ``request_type``: ask only what that type needs, then file it."""
    if request_type == RequestType.ERASURE and not recently_authenticated(request):
        return reauthentication_redirect(request)  # SECURITY: erasure cannot be undone
    if request.method != "POST":
        existing = open_request_of(request.user, request_type)
        if existing is not None:
            messages.info(request, _already_open(existing))
            return redirect("rights_requests:detail", request_id=existing.pk)
    form_class = FORMS[request_type]
    form_kwargs = {}
    if form_class is RectificationRequestForm:
        form_kwargs["current"] = profile_values_as_text(profile_of(request.user))
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                rights_request = request_submit(
                    actor=request.user, subject=request.user, request_type=request_type, details=form.details()
                )
            except DuplicateOpenRequest as error:
                messages.info(request, _already_open(error.existing))
                return redirect("rights_requests:detail", request_id=error.existing.pk)
            except InvalidRequestDetails as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    format_html(
                        'We received your request <span class="reference">{}</span>. We will answer by {} at the '
                        "latest; a confirmation is on its way to your email.",
                        rights_request.reference,
                        _day(rights_request.due_at),
                    ),
                )
                return redirect("rights_requests:detail", request_id=rights_request.pk)
        messages.error(request, "Your request was not sent: please see the fields marked below.")
    else:
        form = form_class(**form_kwargs)
    return render(
        request,
        "rights_requests/new.html",
        {
            "tab": "data",
            "request_type": request_type,
            "right": RIGHTS[request_type],
            "form": form,
            "starts_at_once": request_type in conf.AUTO_APPROVE,
            "due_if_sent_now": due_at_for(timezone.now()),
        },
    )


@login_required
@require_safe
def request_detail(request, request_id):
    """One request: where it stands, its deadline, the outcome and its history."""
    rights_request = access_own_request(user=request.user, request_id=request_id)
    events = list(rights_request.events.all())
    live_file = live_file_of(rights_request)
    gone_file = None if live_file else latest_file_of(rights_request)
    return render(
        request,
        "rights_requests/detail.html",
        {
            "tab": "data",
            "rights_request": rights_request,
            "right": RIGHTS[rights_request.type],
            "status_explained": status_explained(rights_request),
            "original_due_at": due_at_for(rights_request.received_at),
            "overdue": rights_request.is_open and rights_request.due_at < timezone.now(),
            "outcome": outcome_of(events),
            "asked": details_as_text(rights_request),
            "timeline": timeline_of(rights_request),
            "can_withdraw": "withdraw" in allowed_steps(rights_request.status),
            "supervisory_authority": conf.SUPERVISORY_AUTHORITY,
            "live_file": live_file,
            "gone_file": gone_file,
            "gone_damaged": gone_file is not None and gone_file.expires_at > timezone.now(),
            "preparing_file": rights_request.type in FILE_TYPES
            and rights_request.status in {Status.APPROVED, Status.PROCESSING},
        },
    )


@login_required
@require_POST
def request_withdraw_view(request, request_id):
    """Withdraw one of the learner's requests, while work on it has not started."""
    rights_request = access_own_request(user=request.user, request_id=request_id)
    try:
        request_withdraw(actor=request.user, request=rights_request)
    except TransitionNotAllowed:
        messages.error(
            request,
            "This request can no longer be withdrawn: a request can be withdrawn only until we start work on it.",
        )
    else:
        messages.success(request, f"Your request {rights_request.reference} is withdrawn.")
    return redirect("rights_requests:detail", request_id=rights_request.pk)


@login_required
@require_GET  # not HEAD: every download is audited, and a HEAD request is not one
def request_file_download_view(request, request_id):
    """Download the report or portable copy of one of the learner's requests, while it has not expired."""
    rights_request = access_own_request(user=request.user, request_id=request_id)  # SECURITY: 404 for others
    try:
        download = request_download(user=request.user, rights_request=rights_request)
    except (DownloadExpired, RequestFileUnavailable) as gone:
        context = {"tab": "data", "rights_request": rights_request, "request_file": gone.request_file}
        if isinstance(gone, RequestFileUnavailable):
            # An operational fault: the file is kept, staff are alerted, the learner may try again.
            context["unavailable"] = True
            response = render(request, "rights_requests/download_gone.html", context, status=gone.status_code)
            response["Retry-After"] = "3600"
            return response
        return render(request, "rights_requests/download_gone.html", context, status=gone.status_code)
    response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "no-store"
    return response
