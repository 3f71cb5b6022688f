"""Small HTTP helpers shared by the apps' views."""

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
