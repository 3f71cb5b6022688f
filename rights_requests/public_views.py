"""Views of ``/privacy/request/``: a data-rights request from someone who cannot sign in.

Form → code emailed to the address → (for an erasure with an account: the account's password)
→ done; and the download link emailed when an access report or portable copy is ready. The
request being filled in is kept in the visitor's session, never in the address bar. An agent or
parent files for a learner on the same form, with a signed authorisation (``agents``); the learner
they filed for objects through the link emailed to them (``agent_object``).
"""

from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.languages import in_language_and_time_zone_of
from compliance.registry import Purpose
from learnerportal.addresses import client_limit_key
from learnerportal.http import accepts_upload
from privacy.models import CONSENT_PURPOSES

from . import conf
from .agents import agent_request_object, objection_open
from .deadlines import latest_due_at
from .exceptions import (
    CodeRefused,
    CodeSpent,
    DownloadExpired,
    InvalidRequestDetails,
    PasswordRefused,
    PublicRequestLimited,
    RequestFileUnavailable,
    TransitionNotAllowed,
)
from .files import request_download
from .forms import PublicCodeForm, PublicPasswordForm, PublicRequestForm
from .handlers import handler_for, registered
from .models import Filer, PublicRequest
from .notifications import FILER_IN_WORDS
from .public import (
    needs_password,
    public_request_code_renew,
    public_request_confirm_password,
    public_request_start,
    public_request_verify,
)
from .public_links import public_request_for_download, public_request_for_objection

#: The session key holding the id of the request being confirmed.
SESSION_KEY = "rights_requests.public_request"


def _form(data=None, files=None):
    types = [(handler.type, handler.title) for handler in registered()]
    purposes = [(purpose, Purpose(purpose).label) for purpose in CONSENT_PURPOSES]
    return PublicRequestForm(data, files, types=types, purposes=purposes)


def _pending(request):
    """Return the session's request being confirmed, or None."""
    pk = request.session.get(SESSION_KEY)
    return PublicRequest.objects.select_related("rights_request").filter(pk=pk).first() if pk else None


@never_cache
# Twice the file's limit reaches the form, which refuses a file over it beside the field, in words: a body just
# over the limit is a mistaken scan, not an attack, and deserves better than the full-page 413.
@accepts_upload(lambda: 2 * conf.AUTHORISATION_MAX_BYTES)
@require_http_methods(["GET", "HEAD", "POST"])
def public_request_new(request):
    """Take an address and a right (and, from an agent or parent, a signed authorisation); email a code.

    The same answer for every address, a learner's too.
    """
    form = _form(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            public_request = public_request_start(
                email=data["email"],
                request_type=data["type"],
                text=data["text"],
                purposes=data["purposes"],
                limit_key=client_limit_key(request),
                language=translation.get_language(),
                filed_by=data["filed_by"],
                agent_name=data["agent_name"],
                learner_email=data["learner_email"],
                authorisation=data["authorisation"],
            )
        except InvalidRequestDetails as error:
            form.add_service_error(error, text_key=handler_for(data["type"]).public_text_key)
        except PublicRequestLimited as error:
            form.add_error(None, error.detail)
        else:
            request.session[SESSION_KEY] = str(public_request.pk)
            return redirect("rights_requests:public_code")
    status = 429 if request.method == "POST" and form.non_field_errors() else 200
    return render(request, "rights_requests/public/new.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def public_request_code(request):
    """Ask for the emailed code; right, the request is filed (or waits for staff) and the person is told so."""
    public_request = _pending(request)
    if public_request is None:
        return redirect("rights_requests:public_new")
    if public_request.status != PublicRequest.Status.UNVERIFIED:
        return redirect("rights_requests:public_done")
    form = PublicCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            public_request_verify(public_request=public_request, code=form.cleaned_data["code"])
        except (CodeRefused, CodeSpent) as error:
            form.add_error("code", error.detail)
        else:
            return redirect("rights_requests:public_done")
    context = {"form": form, "minutes": conf.PUBLIC_CODE_SECONDS // 60}
    return render(request, "rights_requests/public/code.html", context, status=400 if form.errors else 200)


@never_cache
@require_POST
def public_request_code_new(request):
    """Email a new code for the session's request; the old one stops working."""
    public_request = _pending(request)
    if public_request is None:
        return redirect("rights_requests:public_new")
    try:
        public_request_code_renew(public_request=public_request, limit_key=client_limit_key(request))
    except (CodeSpent, PublicRequestLimited) as error:
        form = PublicCodeForm()
        context = {"form": form, "minutes": conf.PUBLIC_CODE_SECONDS // 60, "refusal": error.detail}
        return render(request, "rights_requests/public/code.html", context, status=error.status_code)
    return redirect(f"{request.path.removesuffix('new/')}?sent=1")


@never_cache
@require_http_methods(["GET", "HEAD"])
def public_request_done(request):
    """Say the request is confirmed and will be answered by email (the same words with or without an account).

    It promises an answer by the latest deadline any regime gives the right, counted from the
    code's confirmation: the account's own regime would tell whoever reads the page that the
    address has an account (``deadlines.latest_due_at``).
    """
    public_request = _pending(request)
    if public_request is None:
        return redirect("rights_requests:public_new")
    if public_request.status == PublicRequest.Status.UNVERIFIED:
        return redirect("rights_requests:public_code")
    if needs_password(public_request):
        return redirect("rights_requests:public_password")
    # SECURITY: the deadline of no regime in particular: the account's would tell that there is one.
    answer_by = latest_due_at(public_request.verified_at, public_request.type)
    context = {
        "right": handler_for(public_request.type),
        "days": conf.DOWNLOAD_DAYS,
        "answer_by": answer_by,
        "filing": public_request,
    }
    return render(request, "rights_requests/public/done.html", context)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def public_request_password(request):
    """Confirm an erasure filed without signing in with the account's password (or leave it to staff)."""
    public_request = _pending(request)
    if public_request is None or not needs_password(public_request):
        return redirect("rights_requests:public_done" if public_request else "rights_requests:public_new")
    form = PublicPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            public_request_confirm_password(
                http_request=request, public_request=public_request, password=form.cleaned_data["password"]
            )
        except PasswordRefused as error:
            form.add_error("password", error.detail)
        else:
            return redirect("rights_requests:public_done")
    return render(request, "rights_requests/public/password.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def public_request_download(request, token):
    """Download the file of a request filed without signing in, from the link emailed to its verified address.

    Opening the link shows a button (mail scanners open links); the button downloads.
    """
    public_request = public_request_for_download(token)
    if public_request is None:
        return render(request, "rights_requests/public/download_invalid.html", {"days": conf.DOWNLOAD_DAYS}, status=404)
    rights_request = public_request.rights_request
    if request.method != "POST":
        return render(request, "rights_requests/public/download.html", {"rights_request": rights_request})
    try:
        download = request_download(user=public_request.subject, rights_request=rights_request)
    except (DownloadExpired, RequestFileUnavailable) as gone:
        return render(
            request,
            "rights_requests/public/download_invalid.html",
            {"days": conf.DOWNLOAD_DAYS},
            status=gone.status_code,
        )
    response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def agent_object(request, token):
    """Let the learner an agent or parent filed for say they did not authorise it, which cancels the request.

    From the link emailed to the learner (``agent_emails``): it shows who asked for what and a
    button (mail scanners open links); the button cancels. In the learner's language and time
    zone, as the email was, whatever the browser says. Cal. Code Regs. tit. 11 §7063(a)(3).
    """
    public_request = public_request_for_objection(token)
    if public_request is None:
        return render(request, "rights_requests/public/object_invalid.html", status=404)
    with in_language_and_time_zone_of(public_request.subject):
        return _agent_object(request, public_request)


def _agent_object(request, public_request):
    """Show, and on POST take, the objection of ``public_request``'s learner (``agent_object``)."""
    context = {
        "filing": public_request,
        "filer_kind": FILER_IN_WORDS[public_request.filed_by],
        "by_parent": public_request.filed_by == Filer.PARENT,
        "right": handler_for(public_request.type).title,
        "open": objection_open(public_request),
        # The learner asked for it herself too: objecting marks the filing, her own request goes on.
        "joined": public_request.rights_request is not None
        and public_request.rights_request.filed_by != public_request.filed_by,
    }
    if request.method == "POST" and context["open"]:
        try:
            agent_request_object(public_request=public_request)
        except TransitionNotAllowed as error:
            context |= {"open": False, "refusal": error.detail}
            return render(request, "rights_requests/public/object.html", context, status=error.status_code)
        context |= {"open": False, "cancelled": True}
    return render(request, "rights_requests/public/object.html", context)
