"""HTTP helpers shared by the apps' views, and middleware refusing malformed or oversized requests."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils import formats
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from learnerportal.api.errors import json_error_response


def safe_next_url(request, default):
    """Return the ``next`` address of ``request`` (POST, then GET) when it stays on this site, else ``default``.

    SECURITY: an open redirect would let a crafted link send a learner, just signed
    in, to a look-alike site.
    """
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return next_url
    return default


class RejectNulInQueryMiddleware:
    """Answer 400 to a page address whose query string holds a NUL character.

    No page takes one, and PostgreSQL refuses NUL in text, so a filter such as
    ``/admin/…/?status__exact=%00`` raised a 500. The API checks its own parameters
    and answers in JSON, so ``/api/`` is left to it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/") and any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            raise BadRequest("The address holds a NUL character.")
        return self.get_response(request)


def accepts_upload(max_bytes):
    """Mark a view as taking uploaded files of up to ``max_bytes()`` bytes in all, in a multipart body.

    ``RequestBodyLimitMiddleware`` then lets a multipart body to that view be
    that much larger than any other body; the form's other fields keep the
    ordinary limit. On a class-based view, decorate ``dispatch`` with
    ``method_decorator``.

    Args:
        max_bytes: a function returning the limit, called at each request, so that a
            setting read when used (``lambda: conf.PHOTO_MAX_BYTES``) applies as it is then.
    """

    def decorator(view):
        view.upload_max_bytes = max_bytes
        return view

    return decorator


class RequestBodyLimitMiddleware:
    """Refuse a request body larger than its view takes, from its declared length, before reading any of it.

    SECURITY: Django reads a multipart body in full, files to disk, the first time
    anything asks for ``request.POST``; the CSRF check asks before any view runs. A
    form refusing a 300 MB file would only do so once all of it had arrived. A
    view takes ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, plus what its ``accepts_upload``
    allows when the body is multipart. A body without a declared length (sent in
    chunks) is refused as well: WSGI would hand the view an empty body.

    Answers 413, or 411 for a body without a length: under /api/ as the API's JSON
    error (``too_large``, ``length_required``), elsewhere as a page saying the limit.
    Listed before ``CsrfViewMiddleware``, whose ``process_view`` reads the body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        declared = request.META.get("CONTENT_LENGTH")
        if not declared:
            if "HTTP_TRANSFER_ENCODING" in request.META:
                detail = "Send the body with a Content-Length header: a body sent in chunks is not accepted."
                return _refusal(request, 411, "length_required", detail)
            return None
        if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is None:
            return None
        max_bytes = getattr(view_func, "upload_max_bytes", None)
        uploads = max_bytes() if max_bytes and request.content_type == "multipart/form-data" else 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + uploads
        try:
            length = int(declared)
        except ValueError:
            return None  # Django reads such a body as empty
        if length > limit:
            limits = {"limit": _size(limit), "upload_limit": _size(uploads) if uploads else ""}
            if uploads:
                detail = gettext(
                    "The body is larger than this address takes: at most %(limit)s, files up to %(upload_limit)s."
                )
            else:
                detail = gettext("The body is larger than this address takes: at most %(limit)s.")
            detail %= limits
            return _refusal(request, 413, "too_large", detail, **limits)
        return None


def _size(size):
    """Return ``size`` (bytes) in words, in the active language's number format: "64 KB", "2.1 MB" ("2,1 MB")."""
    if size < 1_048_576:
        return gettext("%(size)s KB") % {"size": formats.number_format(round(size / 1024))}
    megabytes = round(size / 1_048_576, 1)
    megabytes = int(megabytes) if megabytes == int(megabytes) else megabytes
    return gettext("%(size)s MB") % {"size": formats.number_format(megabytes)}


def _refusal(request, status, code, detail, **context):
    """Return the answer refusing a body: the API's JSON error under /api/, else the page ``<status>.html``."""
    if request.path.startswith("/api/"):
        return json_error_response(code, detail, status)
    return render(request, f"{status}.html", context, status=status)
