"""Whole answers kept in the shared cache as bytes, served again with the request's own CSP nonce.

A page that is the same for every viewer of a class (a learner's public profile for a
visitor) can be kept whole, but the Content-Security-Policy nonce may not be: the header
of each answer names a fresh one (``django.middleware.csp``), and a nonce that repeats
lets whoever read it run a script on the page. So the kept body holds a placeholder where
the rendered nonce was, and each answer made from it gets its own request's nonce there.
The headers the middleware adds on the way out (CSP, frame options, ``Vary``…) are added to
each answer made from a kept one as to any other; only the view's own headers are kept.
"""

from dataclasses import dataclass

from django.http import HttpResponse
from django.middleware.csp import get_nonce
from django.utils.csp import CSP

#: What stands for the nonce in a kept body. Autoescaped text never holds "<", so nothing a learner
#: wrote can turn into the nonce; a body that holds it anyway is not kept.
NONCE_PLACEHOLDER = b"<csp-nonce>"


@dataclass(frozen=True)
class KeptAnswer:
    """A 200 answer as the view made it: its own headers, and its body with ``NONCE_PLACEHOLDER`` for the nonce."""

    headers: tuple
    body: bytes
    uses_nonce: bool


def answer_keep(request, response):
    """Return ``response`` as a ``KeptAnswer`` to store, or None when it must not be kept.

    Not kept: an answer other than 200, a streamed one, one that sets a cookie, one
    whose view set its own CSP header, or one whose body holds ``NONCE_PLACEHOLDER``.
    """
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if CSP.HEADER_ENFORCE in response or CSP.HEADER_REPORT_ONLY in response or NONCE_PLACEHOLDER in response.content:
        return None
    body, nonce = response.content, get_nonce(request)
    uses_nonce = bool(nonce)  # a LazyNonce is true once the page has written it
    if uses_nonce:
        body = body.replace(str(nonce).encode(), NONCE_PLACEHOLDER)
    return KeptAnswer(headers=tuple(response.headers.items()), body=body, uses_nonce=uses_nonce)


def answer_from_kept(request, kept):
    """Return a new ``HttpResponse`` for ``request`` from ``kept``, with the request's own nonce written in.

    Raises:
        ValueError: ``kept`` uses a nonce and the request has none (no CSP middleware).
    """
    body = kept.body
    if kept.uses_nonce:
        nonce = get_nonce(request)
        if nonce is None:
            raise ValueError("This answer needs a CSP nonce: the request has none.")
        body = body.replace(NONCE_PLACEHOLDER, str(nonce).encode())  # makes the nonce: the header will name it
    response = HttpResponse(body)
    for name, value in kept.headers:
        response.headers[name] = value
    return response
