"""Small HTTP helpers shared by the apps' views, and a middleware refusing malformed addresses."""

from django.core.exceptions import BadRequest
from django.utils.http import url_has_allowed_host_and_scheme


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
