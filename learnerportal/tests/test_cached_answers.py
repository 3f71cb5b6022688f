"""A page kept whole is served with each request's own CSP nonce, never the one it was rendered with."""

import re

from django.http import HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.test import RequestFactory

from learnerportal.cached_answers import answer_from_kept, answer_keep

NONCE_IN_BODY = re.compile(r'<script nonce="([^"]+)">')
NONCE_IN_HEADER = re.compile(r"'nonce-([^']+)'")


def through_csp(view):
    """Return a function answering a GET as ``view`` does behind Django's CSP middleware: ``(body, CSP header)``."""
    middleware = ContentSecurityPolicyMiddleware(view)

    def answer():
        response = middleware(RequestFactory().get("/learners/ada/"))
        return response.content.decode(), response["Content-Security-Policy"]

    return answer


def test_each_answer_from_a_kept_page_has_its_own_nonce_in_body_and_header():
    kept = []

    def render_once(request):
        if kept:
            return answer_from_kept(request, kept[0])
        response = HttpResponse(f'<p>Ada</p><script nonce="{request._csp_nonce}">menu()</script>')
        kept.append(answer_keep(request, response))
        return response

    answer = through_csp(render_once)
    nonces = []
    for _ in range(3):
        body, header = answer()
        assert "<p>Ada</p>" in body
        nonces.append(NONCE_IN_BODY.search(body)[1])
        assert NONCE_IN_HEADER.search(header)[1] == nonces[-1]
    assert len(set(nonces)) == 3  # a nonce read on one answer opens no other


def test_a_kept_page_that_wrote_no_nonce_names_none():
    kept = []

    def render_once(request):
        if kept:
            return answer_from_kept(request, kept[0])
        response = HttpResponse("<p>Ada</p>")
        kept.append(answer_keep(request, response))
        return response

    answer = through_csp(render_once)
    first, again = answer(), answer()
    assert first == again and "nonce" not in again[1]


def test_an_answer_that_sets_a_cookie_is_not_kept():
    response = HttpResponse("<p>Ada</p>")
    response.set_cookie("csrftoken", "secret-of-one-visitor")
    assert answer_keep(RequestFactory().get("/"), response) is None
