"""Views of the rights_requests app: Settings → Your data, where learners file and follow requests.

What a page shows or asks for a type of request comes from its handler (``handlers``),
passed to the templates as ``right``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from accounts.reauthentication import reauthentication_redirect, recently_authenticated
from accounts.selectors import learner_regime, learner_regime_asking_state

from .agent_filings import filed_for_you_open_words, take_over_words, takeover_offered
from .deadlines import original_due_at, regime_due_at
from .exceptions import (
    DownloadExpired,
    DuplicateOpenRequest,
    InvalidRequestDetails,
    RequestFileUnavailable,
    TransitionNotAllowed,
)
from .files import latest_file_of, live_file_of, request_download
from .handlers import handler_for
from .models import FOR_SOMEONE, Status
from .regime_rights import complaint_of, offered_rights, offers
from .selectors import (
    access_own_request,
    open_request_of,
    outcome_of,
    requests_page_of,
    status_explained,
    timeline_of,
)
from .services import request_lift_ask, request_submit, request_withdraw
from .standings import with_standings
from .workflow import allowed_steps


def _day(moment):
    return dateformat.format(timezone.localtime(moment), _("j F Y"))


def _already_open(existing):
    if existing.filed_by in FOR_SOMEONE:
        return filed_for_you_open_words(existing)
    return _(
        "You already have an open request of this kind (%(reference)s), so we did not start another. "
        "Here is where it stands."
    ) % {"reference": existing.reference}


def _received(rights_request):
    """Return the message confirming a request was filed: its reference (marked up) and its deadline, escaped."""
    message = _(
        "We received your request %(reference)s. We will answer by %(date)s at the latest; "
        "a confirmation is on its way to your email."
    )
    reference = format_html('<span class="reference">{}</span>', rights_request.reference)
    return mark_safe(escape(message) % {"reference": reference, "date": escape(_day(rights_request.due_at))})  # noqa: S308 (every part escaped)


#: Requests listed on a page of the Your data tab, newest first.
REQUESTS_PER_PAGE = 20


@login_required
@require_safe
def data_rights(request):
    """Your data tab: the rights the learner's law gives, a way to start each, and their requests, 20 a page."""
    page, in_use = requests_page_of(request.user, request.GET.get("page"), per_page=REQUESTS_PER_PAGE)
    listed = list(page)
    with_standings([*listed, *in_use], subject=request.user)
    # A right already used: an open request, or a completed one keeping a restriction in force (newest first).
    open_by_type = {}
    for item in in_use:
        if item.is_open or (item.standing and item.standing.in_force):
            open_by_type.setdefault(item.type, item)
    applies, asks_state = learner_regime_asking_state(request.user)
    return render(
        request,
        "rights_requests/index.html",
        {
            "tab": "data",
            "rights": [(offered.type, open_by_type.get(offered.type)) for offered in offered_rights(applies)],
            "regime": applies,
            "regime_period": applies.deadline.period,
            "state_unknown": asks_state,
            "rows": [(item, handler_for(item.type)) for item in listed],
            "page": page,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_new(request, request_type):
    """Start a request of ``request_type``: ask only what that type needs, then file it.

    A right the learner's law does not give is not offered: its page answers 404.
    """
    right = handler_for(request_type)
    applies = learner_regime(request.user)
    if not offers(applies, request_type):
        raise Http404("No such right under the learner's regime.")
    if right.requires_recent_password and not recently_authenticated(request):
        return reauthentication_redirect(request)  # SECURITY: such a request (erasure) cannot be undone
    if request.method != "POST":
        existing = open_request_of(request.user, request_type)
        if takeover_offered(existing):  # her own filing takes it over (``services._taken_over``)
            messages.info(request, take_over_words(existing))
        elif existing is not None:
            messages.info(request, _already_open(existing))
            return redirect("rights_requests:detail", request_id=existing.pk)
    form_kwargs = right.form_kwargs(request.user)
    if request.method == "POST":
        form = right.form_class(request.POST, **form_kwargs)
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
                messages.success(request, _received(rights_request))
                return redirect("rights_requests:detail", request_id=rights_request.pk)
        messages.error(request, _("Your request was not sent: please see the fields marked below."))
    else:
        form = right.form_class(**form_kwargs)
    return render(
        request,
        "rights_requests/new.html",
        {
            "tab": "data",
            "right": right,
            "form": form,
            "starts_at_once": right.approved_on_filing(),
            "legal": applies.right(request_type),
            "due_if_sent_now": regime_due_at(timezone.now(), applies.key, request_type),
        },
    )


@login_required
@require_safe
def request_detail(request, request_id):
    """One request: where it stands, its deadline, the outcome and its history."""
    (rights_request,) = with_standings([access_own_request(user=request.user, request_id=request_id)])
    right = handler_for(rights_request.type)
    events = list(rights_request.events.all())
    live_file = live_file_of(rights_request)
    gone_file = None if live_file else latest_file_of(rights_request)
    return render(
        request,
        "rights_requests/detail.html",
        {
            "tab": "data",
            "rights_request": rights_request,
            "right": right,
            "status_explained": status_explained(rights_request),
            "original_due_at": original_due_at(rights_request),
            "overdue": rights_request.is_open and rights_request.due_at < timezone.now(),
            "outcome": outcome_of(events),
            "asked": right.details_as_text(rights_request),
            "statement": right.statement(rights_request) if rights_request.completed_at else [],
            "timeline": timeline_of(rights_request),
            "can_withdraw": "withdraw" in allowed_steps(rights_request.status),
            "complaint": complaint_of(rights_request),
            "live_file": live_file,
            "gone_file": gone_file,
            "gone_damaged": gone_file is not None and gone_file.expires_at > timezone.now(),
            "preparing_file": bool(right.file_noun) and rights_request.status in {Status.APPROVED, Status.PROCESSING},
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
            _("This request can no longer be withdrawn: a request can be withdrawn only until we start work on it."),
        )
    else:
        messages.success(
            request, _("Your request %(reference)s is withdrawn.") % {"reference": rights_request.reference}
        )
    return redirect("rights_requests:detail", request_id=rights_request.pk)


@login_required
@require_POST
def request_lift_ask_view(request, request_id):
    """Ask staff to lift the restriction of processing one of the learner's completed requests keeps in force."""
    rights_request = access_own_request(user=request.user, request_id=request_id)
    try:
        request_lift_ask(actor=request.user, request=rights_request)
    except TransitionNotAllowed as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _(
                "We received your request to lift the restriction. Our privacy team will email you before it is "
                "lifted; until then we keep not using your data."
            ),
        )
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
