"""The API's base view, its documentation page, its 404, and how its authentication appears in the schema."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions
from rest_framework.views import APIView

from learnerportal.encryption import KeyMissing
from learnerportal.storage import STORAGE_UNAVAILABLE

from .errors import ERROR_CODES, json_error_response
from .throttling import PerIPThrottle


class PortalAPIView(APIView):
    """Base of every API view: the per-IP limit is checked before anything else, even authentication.

    So a flood of requests with bad tokens or no credentials is throttled too. Then an
    HTTP method the endpoint does not take is a 405 for everyone (the schema lists them
    publicly), rather than DRF's 403 to a read-only token asking to DELETE.
    """

    #: What the cache held under ``cache_keys_read_with_limit``'s keys: ``{key: value or None}``, or None.
    read_with_limit = None

    def initial(self, request, *args, **kwargs):
        throttle = PerIPThrottle(read=self.cache_keys_read_with_limit(request, *args, **kwargs))
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
        self.read_with_limit = throttle.found
        if request.method.lower() not in self.http_method_names or not hasattr(self, request.method.lower()):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def cache_keys_read_with_limit(self, request, *args, **kwargs):
        """Return the cache keys the view will read, to read them in the round trip of the per-IP limit.

        What the cache held under them is ``self.read_with_limit`` when the view runs. Called
        before authentication: the keys may only depend on the address asked. Default: none.
        """
        return ()

    def paginated(self, rows, to_data):
        """Return the page of ``rows`` (a queryset or list) the request asks for, as ``to_data(page)``.

        Raises:
            NotFound: no such page (404); ValidationError: a bad ``page_size`` (400).
        """
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, self.request, view=self)
        return paginator.get_paginated_response(to_data(page))


class TokenSchemeExtension(OpenApiAuthenticationExtension):
    """Describe personal access tokens in the OpenAPI schema."""

    target_class = "accounts.authentication.PersonalAccessTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "lpat_…",
            "description": "A personal access token made on Settings → Security, sent as `Authorization: Bearer "
            "lpat_…`. Read-only tokens may use GET; read-and-write tokens may also change things.",
        }


class SessionSchemeExtension(OpenApiAuthenticationExtension):
    """Describe the browser session in the OpenAPI schema."""

    target_class = "accounts.authentication.VerifiedSessionAuthentication"
    name = "browserSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "Nothing to enter here: signed in to the portal in this browser, *Try it out* already "
            "sends your session (after the two-factor code step when 2FA is on) and the CSRF token. "
            "To try a token, use `personalAccessToken`.",
        }


# Views outside DRF.


@csrf_exempt  # it changes nothing; a POST without a CSRF token must still get the JSON 404
def api_not_found(request, *args, **kwargs):
    """Answer an unknown address under /api/ with the API's JSON 404, not the HTML page.

    When the address only lacks its trailing slash, the answer names the right one.
    """
    detail = _("There is no API endpoint at this address.")
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            detail += " " + _("Did you mean %(path)s/ (with the trailing slash)?") % {"path": request.path}
    return json_error_response("not_found", detail, 404)


#: Failures of this process's surroundings, not of the request: the database, the cache's Redis or
#: the files' bucket unreachable, or data this process cannot decrypt (started with an old
#: ``PORTAL_ENCRYPTION_KEYS``).
UNAVAILABLE = (
    KeyMissing,
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    *STORAGE_UNAVAILABLE,
)
#: Seconds a client is asked to wait before trying again when the service is unavailable.
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """Django's ``handler500``: JSON ``server_error`` under /api/ (clients parse it), else the 500 page.

    When the failure is the process's surroundings (``UNAVAILABLE``: the database, the cache
    or the file storage cannot be reached, or the data cannot be decrypted with this process's keys), the
    answer is 503 ``service_unavailable`` with ``Retry-After`` instead: nothing is wrong
    with the request, and a load balancer should route around the process (RFC 9110 §15.6.4).
    """
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        if request.path.startswith("/api/"):
            response = json_error_response("service_unavailable", ERROR_CODES["service_unavailable"], 503)
        else:
            # Without the request, as the 500 page: anything about the signed-in user may fail the same way.
            response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if request.path.startswith("/api/"):
        return json_error_response("server_error", ERROR_CODES["server_error"], 500)
    return defaults.server_error(request)


@require_safe
def api_docs(request):
    """The API's documentation (Swagger UI), served from our own static files under the strict CSP."""
    return render(request, "api/docs.html")
