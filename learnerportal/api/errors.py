"""The API's errors: one JSON shape, stable codes, the exception handler and their OpenAPI description."""

import itertools
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from learnerportal.exceptions import PortalError

#: Every error code the API answers with, and what it means. The schema documents these.
ERROR_CODES = {
    "invalid": "The request body or a query parameter is not valid; `fields` names each problem.",
    "parse_error": "The body is not valid JSON (or multipart for the profile photo).",
    "not_authenticated": "No credentials: send a token (`Authorization: Bearer lpat_…`) or sign in.",
    "invalid_token": "The token is unknown, revoked or expired, or its account is closed.",
    "two_factor_required": "This browser session has not passed the two-factor code step yet.",
    "permission_denied": "Signed in, but not allowed to do this.",
    "insufficient_scope": "The token is read-only; this needs a read-and-write token.",
    "reauthentication_required": "Confirm your password in the browser first (erasure asks for it).",
    "erasure_not_allowed_with_token": "Erasure cannot be requested with a token; use the browser.",
    "not_found": "Nothing here, or nothing you may see (the same answer, so nobody learns what exists).",
    "method_not_allowed": "This endpoint does not take that HTTP method.",
    "not_acceptable": "The server cannot answer in a format the Accept header allows.",
    "unsupported_media_type": "Send JSON (`Content-Type: application/json`), or multipart for a photo.",
    "throttled": "Too many requests: wait the number of seconds in `Retry-After`.",
    "server_error": "Something went wrong on our side, not in your request; try again in a moment.",
    "service_unavailable": "This server cannot reach or read your data now; try again after `Retry-After` seconds.",
    "too_large": "The body is larger than this endpoint accepts; `detail` says how large it may be.",
    "length_required": "The body was sent in chunks: send it with a Content-Length header.",
    "invalid_audience": "An unknown profile field or audience.",
    "invalid_consent": "An unknown purpose.",
    "too_young": "Under the digital age of consent, this cannot be turned on (GDPR Art. 8).",
    "policy_confirmation_due": "The privacy policy changed: confirm your choices at /privacy/policy/confirm/ first.",
    "objected": "You objected to news by email, so it cannot be turned on again (GDPR Art. 21(3)).",
    "opted_out_of_sale": "You opted out of the sale or sharing of your data: partner sharing stays off for 12 months "
    "(Cal. Civ. Code §1798.135(c)(4)).",
    "invalid_details": "The details of a request do not fit its type; `fields` names the problem.",
    "duplicate_open_request": "You already have an open request of this type; `existing_request_id` is it.",
    "transition_not_allowed": "The request's status does not allow this step (e.g. withdrawing it once work began).",
    "invalid_photo": "The photo is not a JPEG, PNG or WebP image we can read, or has too many bytes or pixels.",
    "download_expired": "The file's download period is over and it was deleted; ask for a new copy.",
    "file_unavailable": "The stored file is missing or damaged, so none of it is sent; our team is alerted and "
    "restoring it: try again later.",
}


#: The codes as choices, in one documented enum (``ErrorCodeEnum`` in the schema).
ERROR_CODE_CHOICES = [(code, description) for code, description in sorted(ERROR_CODES.items())]


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.ChoiceField(choices=ERROR_CODE_CHOICES, help_text="A stable, machine-readable code.")
    detail = serializers.CharField(help_text="What went wrong, in a sentence for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per request field (dotted for nested fields, e.g. `fields.bio`); `{}` when none.",
    )


class DuplicateRequestErrorSerializer(ErrorSerializer):
    """The body of a 409 answer to filing a request of a type that is already open."""

    existing_request_id = serializers.UUIDField(help_text="The id of the open request of this type.")


class TooLarge(exceptions.APIException):
    """413: a part of the body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django raised ``RequestDataTooBig``).

    A body over its declared limit is refused before this, unread, by
    ``learnerportal.http.RequestBodyLimitMiddleware``.
    """

    status_code = 413
    default_detail = ERROR_CODES["too_large"]
    default_code = "too_large"


#: An error answer names at most this many fields, with at most ``MESSAGES_SHOWN`` messages each, every
#: name and message cut to ``TEXT_MAX`` characters; its ``detail`` then counts them all.
FIELDS_SHOWN = 20
MESSAGES_SHOWN = 3
TEXT_MAX = 300


def _flatten(detail, prefix=""):
    """Yield DRF error details as ``("dotted.field", [messages])`` pairs, in the order of the request."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            yield from _flatten(item, f"{prefix}.{index}" if prefix else str(index))
    elif isinstance(detail, list):
        yield prefix or "non_field_errors", detail
    else:
        yield prefix or "non_field_errors", [detail]


def _clip(text):
    """Return ``text`` cut to ``TEXT_MAX`` characters in its middle, where an echoed value sits."""
    text = str(text)
    if len(text) <= TEXT_MAX:
        return text
    half = (TEXT_MAX - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


def error_body(code, detail, fields=None, **extra):
    """Return the JSON body of an error: ``{"code", "detail", "fields", **extra}``, bounded in size.

    SECURITY: the answer stays small whatever the request held (thousands of bad list
    items or unknown keys made answers of megabytes): ``fields`` names the first
    ``FIELDS_SHOWN`` fields only, each with its first ``MESSAGES_SHOWN`` messages, and
    ``detail`` then says how many fields there are in all.

    Args:
        code: a key of ``ERROR_CODES``.
        detail: a sentence for people.
        fields: ``{"dotted.field": [messages]}``, or an iterable of such pairs; None for none.
        extra: more keys of the answer, e.g. ``existing_request_id``.
    """
    pairs = iter(fields.items() if isinstance(fields, dict) else fields or ())
    shown = {
        _clip(name): [_clip(message) for message in messages[:MESSAGES_SHOWN]]
        for name, messages in itertools.islice(pairs, FIELDS_SHOWN)
    }
    detail = _clip(detail)
    left = sum(1 for _ in pairs)
    if left:
        detail += f" {len(shown) + left} fields have problems; `fields` names the first {len(shown)}."
    return {"code": code, "detail": detail, "fields": shown, **extra}


def json_error_response(code, detail, status):
    """Return the API's error shape from outside DRF, compact as DRF renders every other answer."""
    return JsonResponse(error_body(code, detail), status=status, json_dumps_params={"separators": (",", ":")})


def form_errors(form):
    """Return a bound Django form's errors as ``{"field": [messages]}`` (``non_field_errors`` for the form's own)."""
    return {
        ("non_field_errors" if name == "__all__" else name): [error["message"] for error in errors]
        for name, errors in form.errors.get_json_data().items()
    }


def exception_handler(exc, context):
    """Turn any error raised in an API view into the portal's JSON error shape.

    A body over Django's upload limits is a 413 ``too_large`` (or a 400 ``parse_error``
    for too many fields or files) instead of Django's HTML 400. ``PortalError``s keep
    their stable code and answer their own ``status_code``; Django's
    ``ValidationError`` is a 400 naming the fields; DRF's own exceptions keep their
    status. Anything else is left to Django (a bug: 500).
    """
    if isinstance(exc, RequestDataTooBig):
        exc = TooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, PortalError):
        fields = {exc.field: [exc.detail]} if exc.field else {}
        set_rollback()
        return Response(error_body(exc.code, exc.detail, fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        set_rollback()
        return Response(error_body("invalid", _("Some values are not valid."), fields), status=400)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(math.ceil(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", _("Some values are not valid."), _flatten(exc.detail))
    else:
        code = exc.detail.code if isinstance(exc.detail, exceptions.ErrorDetail) else exc.default_code
        if isinstance(exc, exceptions.AuthenticationFailed) and code == "authentication_failed":
            code = "invalid_token"
        body = error_body(code, exc.detail)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


# Schema helpers.


def documented_answer(serializer, name, value, description=""):
    """Return an ``OpenApiResponse`` of ``serializer`` with one example (an item's, for a list: it is paginated)."""
    return OpenApiResponse(
        serializer, description=description, examples=[OpenApiExample(name, value, response_only=True)]
    )


def error_response(description, *codes, serializer=ErrorSerializer):
    """Return an ``OpenApiResponse`` documenting an error status with an example per code."""
    examples = [
        OpenApiExample(
            code,
            value=error_body(code, ERROR_CODES[code])
            | (
                {"existing_request_id": "3f1c2a9e-5b7d-4c1e-9a2f-0d6b8e4f7a21"}
                if code == "duplicate_open_request"
                else {}
            ),
            response_only=True,
        )
        for code in codes
    ]
    return OpenApiResponse(response=serializer, description=description, examples=examples)


#: Errors any authenticated endpoint may answer, for ``extend_schema(responses=...)``.
AUTH_ERRORS = {
    401: error_response(
        "Not signed in, bad token, or 2FA code step not passed.",
        "not_authenticated",
        "invalid_token",
        "two_factor_required",
    ),
    429: error_response("Too many requests; see the Retry-After header.", "throttled"),
}
#: Errors of an endpoint that changes something.
WRITE_ERRORS = {
    **AUTH_ERRORS,
    403: error_response(
        "A read-only token, or a missing CSRF token in a session.", "insufficient_scope", "permission_denied"
    ),
    413: error_response("The body is over the size the server accepts.", "too_large"),
}
#: Errors of a paginated list.
LIST_ERRORS = {
    **AUTH_ERRORS,
    400: error_response("`page_size` is not a whole number from 1 to 100.", "invalid"),
    404: error_response("No such page.", "not_found"),
}


def unknown_keys_error(data, allowed, prefix=""):
    """Return a 400 ``Response`` naming the keys of ``data`` outside ``allowed``, or None when there are none.

    Unknown keys are refused rather than ignored, so that a misspelt field is not silently dropped.
    """
    if not isinstance(data, dict):
        return None
    unknown = [key for key in data if key not in allowed]
    if not unknown:
        return None
    return Response(
        error_body(
            "invalid",
            _("Unknown keys."),
            ((f"{prefix}{key}", [_("Not something this endpoint takes.")]) for key in unknown),
        ),
        status=400,
    )


def forbid_additional_properties(result, generator, request, public):
    """drf-spectacular postprocessing hook: request bodies allow no keys beyond those documented.

    The API refuses unknown keys (``unknown_keys_error``); the schema says so.
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object" and "properties" in component:
            component["additionalProperties"] = False
    return result


def document_common_answers(result, generator, request, public):
    """drf-spectacular postprocessing hook: the answers every operation may give, with examples.

    Every operation may answer 500 ``server_error`` (a bug) and 503 ``service_unavailable``
    (the server lacks the current encryption key; another may answer); every operation answering
    JSON may answer 406 (``Accept`` allows no JSON); every operation with a body may
    answer 415 (not JSON, or not multipart for a photo), a 400 ``parse_error``
    (malformed body), 413 and 411 (sent in chunks); one without a body never 413. 405 is listed nowhere:
    it answers methods no operation offers (the ``Allow`` header names those it does).
    """
    components = result.setdefault("components", {}).setdefault("schemas", {})
    error_ref = {"$ref": "#/components/schemas/Error"}
    if "Error" not in components:
        return result

    def example(code):
        return {"value": error_body(code, ERROR_CODES[code]), "summary": code}

    def answer(description, code):
        content = {"schema": error_ref, "examples": {code: example(code)}}
        return {"description": description, "content": {"application/json": content}}

    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("500", answer("A fault on our side (a bug), never your input.", "server_error"))
            responses.setdefault(
                "503", answer("This server cannot read stored data right now; try again.", "service_unavailable")
            )
            success = next((r for status, r in responses.items() if status.startswith("2")), {})
            if "application/json" in success.get("content", {}):  # files are sent whatever Accept says
                responses.setdefault("406", answer("The Accept header allows no JSON.", "not_acceptable"))
            if "requestBody" not in operation:
                responses.pop("413", None)  # no body, nothing too large
                continue
            responses.setdefault(
                "415", answer("The body is not JSON (or, for a photo, not multipart).", "unsupported_media_type")
            )
            responses.setdefault("411", answer("The body was sent in chunks, without a length.", "length_required"))
            bad = responses.setdefault("400", answer("The body is not valid.", "parse_error"))
            examples = bad.get("content", {}).get("application/json", {}).setdefault("examples", {})
            examples.setdefault("parse_error", example("parse_error"))
    return result
