"""REST API of the rights_requests app: your data-rights requests (``/api/v1/me/requests/``).

Filing, withdrawing and downloading call the services the Your data pages call
(``request_submit``, ``request_withdraw``, ``request_lift_ask``, ``files.request_download``), reads the
same selectors (``requests_of``, ``access_own_request``, ``timeline_of``), so the
rules cannot differ: one open request per type (409 with the open one's id), the
owner-only download for 7 days (410 after), every download audited.

What differs by type (the ``type`` choices, the ``details`` keys and how they are
judged) comes from the types' handlers (``handlers``). A type that cannot be undone
(``Handler.requires_recent_password``: erasure) needs, as on the page, a password
confirmed in the last 15 minutes: a browser session must have confirmed it
(``/accounts/confirm-password/``); a personal access token cannot ask for it at all
(``erasure_not_allowed_with_token``), so a leaked token can never close an account.
"""

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import PersonalAccessToken
from accounts.reauthentication import recently_authenticated
from compliance.regimes import RegimeKey
from learnerportal.api.errors import (
    AUTH_ERRORS,
    LIST_ERRORS,
    WRITE_ERRORS,
    DuplicateRequestErrorSerializer,
    documented_answer,
    error_body,
    error_response,
    unknown_keys_error,
)
from learnerportal.api.pagination import IgnoreAcceptNegotiation, PortalPagination
from learnerportal.api.parsers import JSONParser
from learnerportal.api.views import PortalAPIView

from .deadlines import original_due_at
from .exceptions import DownloadExpired, DuplicateOpenRequest, InvalidRequestDetails, RequestFileUnavailable
from .files import live_file_of, request_download
from .handlers import choices, details_fields, handler_for, registered
from .models import RequestFile, Status
from .regime_rights import complaint_of, title_cited
from .selectors import access_own_request, outcome_of, requests_of, status_explained, timeline_of
from .services import request_lift_ask, request_submit, request_withdraw
from .standings import standings_of
from .workflow import allowed_steps


class RequestDetailsSerializer(serializers.Serializer):
    """What you tell us with a request; each type uses some keys and ignores the others."""

    def get_fields(self):
        # Every registered type's keys (``Handler.api_fields``); they only parse: the type's handler judges.
        return details_fields()


class RequestCreateSerializer(serializers.Serializer):
    """A new request."""

    def get_fields(self):
        return {
            "type": serializers.ChoiceField(choices=choices(), help_text="Which right you exercise."),
            "details": RequestDetailsSerializer(required=False, help_text="What that type needs; see each key."),
        }


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(help_text='"You", "Our privacy team" or "Automatically": staff are never named.')
    what = serializers.CharField()
    note = serializers.CharField(help_text='What we told you at that step; "" when nothing.')


class DownloadSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="GET it with the same credentials.")
    kind = serializers.ChoiceField(choices=RequestFile.Kind.choices)
    expires_at = serializers.DateTimeField(help_text="After this it is deleted (410 Gone).")


class StatementRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    text = serializers.CharField()


class StatementSectionSerializer(serializers.Serializer):
    heading = serializers.CharField()
    rows = StatementRowSerializer(many=True)


class RequestSummarySerializer(serializers.Serializer):
    """One of your requests, in a list."""

    id = serializers.UUIDField()
    reference = serializers.CharField(help_text="e.g. DSR-2026-000123: quote it when you write to us.")
    type = serializers.ChoiceField(choices=[])  # the registered types (``get_fields``)
    type_label = serializers.CharField(
        help_text="The right as your pages name it, with its source under the request's regime, e.g. "
        '"Get a copy of your data (GDPR Art. 15)", "Get a copy of your data (Cal. Civ. Code §1798.110, §1798.115)".'
    )
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    is_open = serializers.BooleanField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(
        help_text="We answer by then: the request's regime decides (GDPR Art. 12(3): one calendar month; "
        "Cal. Civ. Code §1798.130(a)(2): 45 days; LGPD Art. 19, II: 15 days), extendable where it allows."
    )
    url = serializers.URLField()

    def get_fields(self):
        fields = super().get_fields()
        fields["type"] = serializers.ChoiceField(choices=choices())
        return fields


class RequestSerializer(RequestSummarySerializer):
    """One of your requests, with where it stands and its history."""

    details = RequestDetailsSerializer(help_text="What you asked for, as we recorded it.")
    status_explained = serializers.CharField(help_text='Where it stands, in words; "" when completed or rejected.')
    regime = serializers.ChoiceField(
        choices=RegimeKey.choices,
        help_text="The data-protection law we answer it under, from where you lived when you filed it: "
        "its rights, deadline and the authority you may complain to.",
    )
    original_due_at = serializers.DateTimeField()
    extended_at = serializers.DateTimeField(allow_null=True)
    extension_reason = serializers.CharField(help_text='Why we extended the deadline; "" when not extended.')
    overdue = serializers.BooleanField()
    decision_reason = serializers.CharField(help_text='Why it was rejected; "" otherwise.')
    supervisory_authority = serializers.CharField(
        allow_null=True,
        help_text="Where you may complain under the request's regime, when rejected (GDPR Art. 12(4), 77; "
        "Cal. Civ. Code §1798.199.45; LGPD Art. 18 §1); null otherwise.",
    )
    completed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField(help_text='What we did, once completed; "" before.')
    can_withdraw = serializers.BooleanField(help_text="True until work on it starts, and again if it failed.")
    in_force_since = serializers.DateTimeField(
        allow_null=True,
        help_text="A completed restriction of processing (GDPR Art. 18): since when it is in force; "
        "null once lifted, and for other requests.",
    )
    lifted_at = serializers.DateTimeField(
        allow_null=True, help_text="When that restriction was lifted (you are emailed first); null otherwise."
    )
    lift_asked_at = serializers.DateTimeField(
        allow_null=True, help_text="When you asked us to lift the restriction in force; null otherwise."
    )
    can_ask_to_lift = serializers.BooleanField(
        help_text="True while the restriction is in force and you have not asked us to lift it (POST .../lift/)."
    )
    download = DownloadSerializer(allow_null=True, help_text="The report or portable copy, while downloadable.")
    statement = StatementSectionSerializer(
        many=True,
        help_text="Our answer in words, once completed, for requests answered by a statement (confirmation of "
        "processing, information on sharing, LGPD Art. 18 I, VII); empty otherwise.",
    )
    timeline = TimelineEntrySerializer(many=True, help_text="Oldest first.")


def _datetime(value):
    return serializers.DateTimeField().to_representation(value) if value else None


def request_summary_data(request, rights_request):
    """Return the JSON of ``rights_request`` in a list."""
    return {
        "id": str(rights_request.pk),
        "reference": rights_request.reference,
        "type": rights_request.type,
        "type_label": title_cited(rights_request),
        "status": rights_request.status,
        "status_label": rights_request.get_status_display(),
        "is_open": rights_request.is_open,
        "received_at": _datetime(rights_request.received_at),
        "due_at": _datetime(rights_request.due_at),
        "url": request.build_absolute_uri(reverse("api:request_detail", args=[rights_request.pk])),
    }


def request_data(request, rights_request):
    """Return the JSON of ``rights_request`` for its data subject, with its timeline."""
    live_file = live_file_of(rights_request)
    standing = standings_of([rights_request]).get(rights_request.pk)
    in_force = standing is not None and standing.in_force
    handler = handler_for(rights_request.type)
    keys = handler.detail_keys
    details = {key: value for key, value in rights_request.details.items() if key in keys}
    return request_summary_data(request, rights_request) | {
        "details": details,
        "status_explained": status_explained(rights_request),
        "regime": rights_request.regime,
        "original_due_at": _datetime(original_due_at(rights_request)),
        "extended_at": _datetime(rights_request.extended_at),
        "extension_reason": rights_request.extension_reason,
        "overdue": rights_request.is_open and rights_request.due_at < timezone.now(),
        "decision_reason": rights_request.decision_reason,
        "supervisory_authority": (
            complaint_of(rights_request)["authority"] if rights_request.status == Status.REJECTED else None
        ),
        "completed_at": _datetime(rights_request.completed_at),
        "outcome": outcome_of(rights_request.events.all()),
        "can_withdraw": "withdraw" in allowed_steps(rights_request.status),
        "in_force_since": _datetime(standing.since) if in_force else None,
        "lifted_at": _datetime(standing.lifted_at) if standing else None,
        "lift_asked_at": _datetime(standing.lift_asked_at) if in_force else None,
        "can_ask_to_lift": in_force and standing.lift_asked_at is None,
        "download": {
            "url": request.build_absolute_uri(reverse("api:request_download", args=[rights_request.pk])),
            "kind": live_file.kind,
            "expires_at": _datetime(live_file.expires_at),
        }
        if live_file
        else None,
        "statement": [
            {"heading": heading, "rows": [{"label": label, "text": text} for label, text in rows]}
            for heading, rows in (handler.statement(rights_request) if rights_request.completed_at else [])
        ],
        "timeline": [
            {"at": _datetime(entry.at), "actor": entry.actor, "what": entry.what, "note": entry.note}
            for entry in timeline_of(rights_request)
        ],
    }


REQUEST_EXAMPLE = {
    "id": "3f1c2a9e-5b7d-4c1e-9a2f-0d6b8e4f7a21",
    "reference": "DSR-2026-000123",
    "type": "access",
    "type_label": "Get a copy of your data (GDPR Art. 15)",
    "status": "completed",
    "status_label": "Completed",
    "is_open": False,
    "received_at": "2026-11-30T10:30:00Z",
    "due_at": "2026-12-30T23:59:59Z",
    "url": "http://127.0.0.1:8000/api/v1/me/requests/3f1c2a9e-5b7d-4c1e-9a2f-0d6b8e4f7a21/",
    "details": {"note": ""},
    "status_explained": "",
    "regime": "gdpr",
    "original_due_at": "2026-12-30T23:59:59Z",
    "extended_at": None,
    "extension_reason": "",
    "overdue": False,
    "decision_reason": "",
    "supervisory_authority": None,
    "completed_at": "2026-11-30T10:30:05Z",
    "outcome": "Your report is ready to download for 7 days.",
    "can_withdraw": False,
    "in_force_since": None,
    "lifted_at": None,
    "lift_asked_at": None,
    "can_ask_to_lift": False,
    "download": {
        "url": "http://127.0.0.1:8000/api/v1/me/requests/3f1c2a9e-5b7d-4c1e-9a2f-0d6b8e4f7a21/download/",
        "kind": "access_report",
        "expires_at": "2026-12-07T10:30:05Z",
    },
    "statement": [],
    "timeline": [
        {"at": "2026-11-30T10:30:00Z", "actor": "You", "what": "Request received", "note": ""},
        {"at": "2026-11-30T10:30:05Z", "actor": "Automatically", "what": "Completed", "note": "Your report is ready."},
    ],
}
NOT_FOUND = error_response('No such request among yours (another learner\'s is "not found" too).', "not_found")


class MyRequestsView(PortalAPIView):
    """Your data-rights requests; POST files a new one."""

    parser_classes = [JSONParser]
    pagination_class = PortalPagination

    @extend_schema(
        tags=["requests"],
        operation_id="me_requests_list",
        summary="Your requests",
        description="Newest first.",
        responses={
            200: documented_answer(
                RequestSummarySerializer(many=True),
                "one request",
                {key: REQUEST_EXAMPLE[key] for key in RequestSummarySerializer().fields},
            ),
            **LIST_ERRORS,
        },
    )
    def get(self, request):
        return self.paginated(requests_of(request.user), lambda page: [request_summary_data(request, r) for r in page])

    @extend_schema(
        tags=["requests"],
        operation_id="me_requests_file",
        summary="File a request",
        description="Exercise a right (GDPR Art. 15–21). Access, portability and objection are carried out "
        "automatically within seconds; the others wait for our staff. We answer within one calendar month "
        "(`due_at`). At most one open request per type: a second answers 409 with the open one's id. "
        "Erasure cannot be undone: it needs a browser session whose password was confirmed in the last 15 "
        "minutes, and is refused to tokens.",
        request=RequestCreateSerializer,
        examples=[
            OpenApiExample("access", {"type": "access", "details": {"note": "Including my quiz answers, please."}}),
            OpenApiExample("objection", {"type": "objection", "details": {"purposes": ["marketing_email"]}}),
            OpenApiExample("restriction", {"type": "restriction", "details": {"reason": "My grade is wrong."}}),
            OpenApiExample(
                "rectification", {"type": "rectification", "details": {"changes": {"full_name": "Amara O."}}}
            ),
        ],
        responses={
            201: OpenApiResponse(
                RequestSerializer,
                description="Filed; `Location` is its address.",
                examples=[OpenApiExample("filed", REQUEST_EXAMPLE, response_only=True)],
            ),
            400: error_response("The type or the details are not valid.", "invalid", "invalid_details", "parse_error"),
            403: error_response(
                "Read-only token; missing CSRF token; erasure with a token or without a recent password.",
                "insufficient_scope",
                "permission_denied",
                *(
                    f"{handler.type}_not_allowed_with_token"
                    for handler in registered()
                    if handler.requires_recent_password
                ),
                "reauthentication_required",
            ),
            409: error_response(
                "You already have an open request of this type.",
                "duplicate_open_request",
                serializer=DuplicateRequestErrorSerializer,
            ),
            415: error_response("Not JSON.", "unsupported_media_type"),
            **{k: v for k, v in WRITE_ERRORS.items() if k != 403},
        },
    )
    def post(self, request):
        if refusal := unknown_keys_error(request.data, {"type", "details"}) or (
            isinstance(request.data, dict)
            and unknown_keys_error(request.data.get("details"), tuple(details_fields()), "details.")
        ):
            return refusal
        parsed = RequestCreateSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        request_type = parsed.validated_data["type"]
        handler = handler_for(request_type)
        if handler.requires_recent_password:
            # SECURITY: such a request (erasure) cannot be undone; the page asks for the password again, and the API.
            if isinstance(request.auth, PersonalAccessToken):
                return Response(
                    error_body(
                        f"{handler.type}_not_allowed_with_token",
                        _("%(type)s cannot be requested with an API token. Sign in and use Settings → Your data.")
                        % {"type": handler.name},
                    ),
                    status=403,
                )
            if not recently_authenticated(request._request):
                return Response(
                    error_body(
                        "reauthentication_required",
                        _(
                            "Confirm your password at /accounts/confirm-password/ first, then try again within "
                            "15 minutes."
                        ),
                    ),
                    status=403,
                )
        try:
            rights_request = request_submit(
                actor=request.user,
                subject=request.user,
                request_type=request_type,
                details=parsed.validated_data.get("details", {}),
            )
        except DuplicateOpenRequest as error:
            return Response(
                error_body(error.code, error.detail, existing_request_id=str(error.existing.pk)),
                status=error.status_code,
            )
        except InvalidRequestDetails as error:
            # Named where it was sent, e.g. ``details.changes.phone`` for a proposed correction.
            within = [error.within] if error.within else []
            field = error.field if error.field in ("type", "details") else ".".join(["details", *within, error.field])
            return Response(error_body(error.code, error.detail, {field: [error.detail]}), status=error.status_code)
        rights_request = access_own_request(user=request.user, request_id=rights_request.pk)
        data = request_data(request, rights_request)
        return Response(data, status=201, headers={"Location": data["url"]})


class MyRequestView(PortalAPIView):
    """One of your requests."""

    @extend_schema(
        tags=["requests"],
        operation_id="me_requests_read",
        summary="One of your requests",
        responses={
            200: OpenApiResponse(
                RequestSerializer, examples=[OpenApiExample("completed", REQUEST_EXAMPLE, response_only=True)]
            ),
            **AUTH_ERRORS,
            404: NOT_FOUND,
        },
    )
    def get(self, request, request_id):
        return Response(request_data(request, access_own_request(user=request.user, request_id=request_id)))


class MyRequestWithdrawView(PortalAPIView):
    """Withdraw one of your requests."""

    @extend_schema(
        tags=["requests"],
        operation_id="me_requests_withdraw",
        summary="Withdraw a request",
        description="Allowed until work on it starts; we confirm by email.",
        request=None,
        responses={
            200: documented_answer(
                RequestSerializer,
                "withdrawn",
                REQUEST_EXAMPLE
                | {
                    "status": "withdrawn",
                    "status_label": "Withdrawn",
                    "completed_at": None,
                    "outcome": "",
                    "download": None,
                },
                "The request, now withdrawn.",
            ),
            404: NOT_FOUND,
            409: error_response("Work on it has started, or it is closed.", "transition_not_allowed"),
            **WRITE_ERRORS,
        },
    )
    def post(self, request, request_id):
        rights_request = access_own_request(user=request.user, request_id=request_id)
        request_withdraw(actor=request.user, request=rights_request)
        return Response(request_data(request, access_own_request(user=request.user, request_id=request_id)))


class MyRequestLiftView(PortalAPIView):
    """Ask us to lift the restriction of processing one of your completed requests keeps in force."""

    @extend_schema(
        tags=["requests"],
        operation_id="me_requests_lift",
        summary="Ask to lift a restriction",
        description="For a completed restriction of processing in force (GDPR Art. 18). Our privacy team lifts it "
        "and emails you first; until then it stays in force. Asking again changes nothing. We confirm by email.",
        request=None,
        responses={
            200: documented_answer(
                RequestSerializer,
                "lift asked",
                REQUEST_EXAMPLE
                | {
                    "type": "restriction",
                    "type_label": "Pause the use of your data (GDPR Art. 18)",
                    "details": {"reason": "My quiz results are wrong.", "note": ""},
                    "outcome": "We have stopped every optional use of your data until the restriction is lifted.",
                    "download": None,
                    "in_force_since": "2026-11-30T10:30:00Z",
                    "lift_asked_at": "2026-12-02T09:00:00Z",
                },
                "The request, with the time you asked.",
            ),
            404: NOT_FOUND,
            409: error_response("Not a completed restriction, or already lifted.", "transition_not_allowed"),
            **WRITE_ERRORS,
        },
    )
    def post(self, request, request_id):
        rights_request = access_own_request(user=request.user, request_id=request_id)
        request_lift_ask(actor=request.user, request=rights_request)
        return Response(request_data(request, access_own_request(user=request.user, request_id=request_id)))


class MyRequestDownloadView(PortalAPIView):
    """Download the report or portable copy of one of your requests."""

    content_negotiation_class = IgnoreAcceptNegotiation
    # Not HEAD: every download is audited, and a HEAD request is not one (as on the page).
    http_method_names = ["get", "options"]

    @extend_schema(
        tags=["requests"],
        operation_id="me_requests_download",
        summary="Download your report or portable copy",
        description="The access report (HTML) or the portable copy (ZIP of JSON and CSV per category), for 7 days "
        "after it is made; then it is deleted and this answers 410. Only you can download it, and every "
        "complete download is recorded in your account's activity. If the stored file is missing or damaged "
        "this answers 503 `file_unavailable`: it is kept and our team restores it.",
        responses={
            (200, "application/zip"): OpenApiResponse(bytes, description="A portable copy (GDPR Art. 20)."),
            (200, "text/html"): OpenApiResponse(bytes, description="An access report (GDPR Art. 15)."),
            (401, "application/json"): AUTH_ERRORS[401],
            (404, "application/json"): error_response("No such request among yours, or no file yet.", "not_found"),
            (410, "application/json"): error_response(
                "The download period is over and the file was deleted (ask for a new copy).", "download_expired"
            ),
            (503, "application/json"): error_response(
                "The stored file is missing or damaged: our team is alerted and restoring it; try again later "
                "(see the Retry-After header).",
                "file_unavailable",
            ),
            (429, "application/json"): AUTH_ERRORS[429],
        },
    )
    def get(self, request, request_id):
        rights_request = access_own_request(user=request.user, request_id=request_id)  # SECURITY: 404 for others
        try:
            download = request_download(user=request.user, rights_request=rights_request)
        except DownloadExpired as gone:
            return Response(error_body(gone.code, gone.detail), status=gone.status_code)
        except RequestFileUnavailable as fault:
            return Response(
                error_body(fault.code, fault.detail), status=fault.status_code, headers={"Retry-After": "3600"}
            )
        response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
        response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
        response["Cache-Control"] = "no-store"
        return response
