"""REST API of the privacy app: who sees what (``/api/v1/me/privacy/``), consents, and public profiles.

The views parse, authorise and call the same selectors and services as the
Privacy tab and ``/learners/<username>/``: ``access_public_profile`` decides what
a viewer sees, ``profile_visibility_update`` and ``consent_record`` make changes.
"""

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language, gettext
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from learnerportal.api.errors import (
    AUTH_ERRORS,
    LIST_ERRORS,
    WRITE_ERRORS,
    documented_answer,
    error_body,
    error_response,
    unknown_keys_error,
)
from learnerportal.api.fields import StrictBooleanField
from learnerportal.api.pagination import IgnoreAcceptNegotiation, PortalPagination
from learnerportal.api.parsers import JSONParser
from learnerportal.api.views import PortalAPIView
from learnerportal.cached_answers import answer_from_kept, answer_keep

from .exceptions import InvalidAudience
from .models import CONSENT_PURPOSES, Audience, Consent, ProfileVisibility
from .selectors import (
    PROFILE_LIST_LENGTH,
    access_learner_list,
    access_learner_photo,
    access_public_profile,
    audiences_in_force,
    below_digital_consent_age,
    consent_history,
    consent_states,
    learner_accomplishments,
    learner_courses,
    list_length_asked,
    may_process,
    profile_visibility_of,
    public_answer_keys,
    public_answer_read,
    public_answer_write,
)
from .services import consent_record, profile_visibility_update

# Visibility (the Privacy tab).


class AudiencesSerializer(serializers.Serializer):
    """One audience per profile field that has a visibility setting (for the schema; the service validates)."""

    def get_fields(self):
        return {
            name: serializers.ChoiceField(
                choices=Audience.choices,
                required=False,
                help_text=f"Who sees {ProfileVisibility._meta.get_field(name).verbose_name.lower()}: "
                "`public` (anyone), `learners` (signed-in learners) or `private` (only you).",
            )
            for name in ProfileVisibility.FIELDS
        }


class PrivacySettingsSerializer(serializers.Serializer):
    """Who may see each part of your profile."""

    fields = AudiencesSerializer(help_text="The audience of each profile field.")
    reviewed_at = serializers.DateTimeField(
        allow_null=True, read_only=True, help_text="When you last saved these settings; null if never."
    )
    public_allowed = serializers.BooleanField(
        read_only=True,
        help_text="False under the digital age of consent: fields cannot be `public` then (GDPR Art. 8), and a "
        "field made `public` earlier counts, and is listed here, as `learners`.",
    )


def _privacy_settings(user):
    return {
        # In force, as the Privacy tab shows it: under the digital age of consent `public` counts as `learners`.
        "fields": {name: audience.value for name, audience in audiences_in_force(user).items()},
        "reviewed_at": profile_visibility_of(user).reviewed_at,
        "public_allowed": not below_digital_consent_age(user),
    }


PRIVACY_EXAMPLE = {
    "fields": {
        "full_name": "public",
        "photo": "learners",
        "bio": "learners",
        "country": "public",
        "education": "private",
        "courses": "private",
        "accomplishments": "learners",
    },
    "reviewed_at": "2026-11-30T10:15:00Z",
    "public_allowed": True,
}


class MyPrivacyView(PortalAPIView):
    """Who may see each part of your profile (the Privacy tab)."""

    parser_classes = [JSONParser]

    @extend_schema(
        tags=["privacy"],
        operation_id="me_privacy_read",
        summary="Who sees each part of your profile",
        description="New accounts are `private` everywhere (GDPR Art. 25(2)). Email, phone and date of birth "
        "have no setting: they are never shown to anyone else.",
        responses={
            200: OpenApiResponse(
                PrivacySettingsSerializer, examples=[OpenApiExample("settings", PRIVACY_EXAMPLE, response_only=True)]
            ),
            **AUTH_ERRORS,
        },
    )
    def get(self, request):
        return Response(_privacy_settings(request.user))

    @extend_schema(
        tags=["privacy"],
        operation_id="me_privacy_update",
        summary="Change who sees parts of your profile",
        description="Send only the fields to change. Saving counts as a review of your settings, as on the "
        "Privacy tab, even when nothing changes; every change is written to your audit log.",
        request=inline_serializer("PrivacySettingsUpdate", {"fields": AudiencesSerializer()}),
        examples=[OpenApiExample("make the name public", {"fields": {"full_name": "public"}}, request_only=True)],
        responses={
            200: documented_answer(PrivacySettingsSerializer, "settings now", PRIVACY_EXAMPLE),
            400: error_response("Unknown field or audience, or `public` under 16.", "invalid", "invalid_audience"),
            403: error_response(
                "Read-only token, missing CSRF token, or `public` under the digital age of consent.",
                "insufficient_scope",
                "permission_denied",
                "too_young",
            ),
            **{k: v for k, v in WRITE_ERRORS.items() if k != 403},
        },
    )
    def patch(self, request):
        body = request.data
        if not isinstance(body, dict) or not isinstance(body.get("fields", {}), dict):
            return Response(
                error_body(
                    "invalid",
                    gettext('Send {"fields": {"<field>": "public" | "learners" | "private"}}.'),
                    {"fields": [gettext("An object of field names and audiences.")]},
                ),
                status=400,
            )
        if refusal := unknown_keys_error(body, {"fields"}):
            return refusal
        try:
            # No fields saves nothing new but counts as a review, as saving the Privacy tab unchanged does.
            profile_visibility_update(actor=request.user, subject=request.user, audiences=body.get("fields", {}))
        except InvalidAudience as error:
            return Response(
                error_body(error.code, error.detail, {f"fields.{name}": [msg] for name, msg in error.errors.items()}),
                status=error.status_code,
            )
        return Response(_privacy_settings(request.user))


# Consents.


class ConsentSerializer(serializers.Serializer):
    """Your current choice for one optional purpose."""

    purpose = serializers.ChoiceField(choices=list(CONSENT_PURPOSES), help_text="The optional purpose.")
    description = serializers.CharField(help_text="What agreeing means, as the Privacy tab says it.")
    granted = serializers.BooleanField(help_text="Whether you agree now; false until you decide (opt-in).")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="When you last decided; null if never.")
    policy_version = serializers.CharField(
        allow_null=True, help_text="The privacy policy your choice was made under; null if never decided."
    )
    source = serializers.ChoiceField(
        choices=Consent.Source.choices, allow_null=True, help_text="Where you decided; null if never."
    )
    objected = serializers.BooleanField(
        help_text="True when you objected to news by email (GDPR Art. 21(3)): it stays off for good."
    )
    opted_out_of_sale_until = serializers.DateTimeField(
        allow_null=True,
        help_text="Partner sharing only: until when your opt-out of the sale or sharing of your data keeps it off; "
        "you can turn it on yourself after that (Cal. Civ. Code §1798.135(c)(4)). Null otherwise.",
    )
    in_force = serializers.BooleanField(
        help_text="Whether we may use your data for it now: false while processing is restricted (GDPR Art. 18), "
        "until you confirm a changed privacy policy, or under the digital age of consent, even if `granted`."
    )


class ConsentChoiceSerializer(serializers.Serializer):
    """Grant or withdraw one purpose."""

    purpose = serializers.ChoiceField(choices=list(CONSENT_PURPOSES), help_text="The optional purpose.")
    granted = StrictBooleanField(help_text="`true` to agree, `false` to withdraw.")


class ConsentEntrySerializer(serializers.Serializer):
    """One entry of your consent ledger."""

    purpose = serializers.ChoiceField(choices=list(CONSENT_PURPOSES))
    granted = serializers.BooleanField()
    policy_version = serializers.CharField()
    source = serializers.ChoiceField(choices=Consent.Source.choices)
    created_at = serializers.DateTimeField()


def _consent_rows(user):
    rows = []
    for state in consent_states(user).values():
        latest = state.latest
        rows.append(
            {
                "purpose": state.purpose,
                "description": state.description,
                "granted": state.granted,
                "decided_at": latest.created_at if latest else None,
                "policy_version": latest.policy_version if latest else None,
                "source": latest.source if latest else None,
                "objected": state.objected,
                "opted_out_of_sale_until": state.sale_opt_out_until,
                "in_force": may_process(user, state.purpose),
            }
        )
    return rows


CONSENT_EXAMPLE = {
    "purpose": "marketing_email",
    "description": CONSENT_PURPOSES["marketing_email"],
    "granted": False,
    "decided_at": "2026-11-30T10:20:00Z",
    "policy_version": "2026-11",
    "source": "api",
    "objected": False,
    "opted_out_of_sale_until": None,
    "in_force": False,
}


class MyConsentsView(PortalAPIView):
    """Your choice for each optional purpose; POST appends a choice to the ledger."""

    parser_classes = [JSONParser]
    pagination_class = PortalPagination

    @extend_schema(
        tags=["consents"],
        operation_id="me_consents_list",
        summary="Your current consents",
        description="One row per optional purpose, in a fixed order. Everything is off until you turn it on.",
        responses={200: documented_answer(ConsentSerializer(many=True), "one purpose", CONSENT_EXAMPLE), **LIST_ERRORS},
    )
    def get(self, request):
        return self.paginated(_consent_rows(request.user), lambda page: ConsentSerializer(page, many=True).data)

    @extend_schema(
        tags=["consents"],
        operation_id="me_consents_record",
        summary="Grant or withdraw a consent",
        description="Withdrawing is as easy as granting (GDPR Art. 7(3)). The choice is appended to your ledger "
        "with the current policy version and source `api`; choosing what is already in force writes nothing.",
        request=ConsentChoiceSerializer,
        examples=[
            OpenApiExample("withdraw marketing emails", {"purpose": "marketing_email", "granted": False}),
        ],
        responses={
            200: OpenApiResponse(
                ConsentSerializer,
                description="The purpose's state now.",
                examples=[OpenApiExample("withdrawn", CONSENT_EXAMPLE, response_only=True)],
            ),
            400: error_response("Unknown purpose, or `granted` not a boolean.", "invalid", "invalid_consent"),
            403: error_response(
                "Read-only token, missing CSRF token, or under the digital age of consent.",
                "insufficient_scope",
                "permission_denied",
                "too_young",
            ),
            409: error_response(
                "Cannot be granted now: confirm the new privacy policy first, you objected to marketing, or you "
                "opted out of the sale or sharing of your data less than 12 months ago.",
                "policy_confirmation_due",
                "objected",
                "opted_out_of_sale",
            ),
            **{k: v for k, v in WRITE_ERRORS.items() if k != 403},
        },
    )
    def post(self, request):
        if refusal := unknown_keys_error(request.data, ConsentChoiceSerializer().fields):
            return refusal
        choice = ConsentChoiceSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        purpose = choice.validated_data["purpose"]
        consent_record(
            actor=request.user,
            user=request.user,
            purpose=purpose,
            granted=choice.validated_data["granted"],
            source=Consent.Source.API,
        )
        row = next(row for row in _consent_rows(request.user) if row["purpose"] == purpose)
        return Response(ConsentSerializer(row).data)


class MyConsentHistoryView(PortalAPIView):
    """Your consent ledger, newest first."""

    pagination_class = PortalPagination

    @extend_schema(
        tags=["consents"],
        operation_id="me_consents_history",
        summary="Your history of consent choices",
        description="Every choice you made, newest first (the ledger cannot be changed or deleted, so it stands as "
        "proof of what you agreed to: GDPR Art. 7(1)).",
        responses={
            200: documented_answer(
                ConsentEntrySerializer(many=True),
                "one choice",
                {
                    "purpose": "research",
                    "granted": True,
                    "policy_version": "2026-11",
                    "source": "settings",
                    "created_at": "2026-11-30T10:20:00Z",
                },
            ),
            **LIST_ERRORS,
        },
    )
    def get(self, request):
        return self.paginated(consent_history(request.user), lambda page: ConsentEntrySerializer(page, many=True).data)


# Public profiles.


class CourseSerializer(serializers.Serializer):
    title = serializers.CharField()
    partner = serializers.CharField(help_text="The university or company running it.")


class AccomplishmentSerializer(CourseSerializer):
    completed_at = serializers.DateTimeField()


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    name = serializers.CharField()


class EducationSerializer(serializers.Serializer):
    level = serializers.CharField(help_text='The level\'s name, or "".')
    occupation = serializers.CharField(help_text='Or "".')


class PublicProfileSerializer(serializers.Serializer):
    """A learner's profile as the viewer may see it: a key is absent, never null, when hidden or empty."""

    username = serializers.CharField()
    full_name = serializers.CharField(required=False)
    photo = serializers.URLField(
        required=False,
        help_text="Where the photo is served (`/api/v1/learners/<username>/photo/`), to the same viewers.",
    )
    bio = serializers.CharField(required=False)
    country = CountrySerializer(required=False)
    education = EducationSerializer(required=False)
    courses = CourseSerializer(
        many=True,
        required=False,
        help_text=f"Courses taken, newest first: the newest {PROFILE_LIST_LENGTH} (all of them with `?lists=all`).",
    )
    courses_count = serializers.IntegerField(
        required=False, help_text="How many courses there are in all; present with `courses`."
    )
    courses_next = serializers.URLField(
        required=False,
        allow_null=True,
        help_text="The next page of courses (`/api/v1/learners/<username>/courses/?page=2`), or null when "
        "`courses` holds them all; present with `courses`.",
    )
    accomplishments = AccomplishmentSerializer(
        many=True,
        required=False,
        help_text=f"Completed courses, the most recently completed first: the newest {PROFILE_LIST_LENGTH} (all of "
        "them with `?lists=all`).",
    )
    accomplishments_count = serializers.IntegerField(
        required=False, help_text="How many accomplishments there are in all; present with `accomplishments`."
    )
    accomplishments_next = serializers.URLField(
        required=False,
        allow_null=True,
        help_text="The next page of accomplishments (`/api/v1/learners/<username>/accomplishments/?page=2`), or "
        "null when `accomplishments` holds them all; present with `accomplishments`.",
    )


def _list_next(request, visible, name):
    """Return the address of the second page of the profile's list ``name``, or None when the profile holds it all."""
    if not visible.more[name]:
        return None
    return request.build_absolute_uri(reverse(f"api:learner_{name}", args=[visible.username]) + "?page=2")


def _accomplishment_data(title, partner, completed_at):
    return {
        "title": title,
        "partner": partner,
        "completed_at": serializers.DateTimeField().to_representation(completed_at),
    }


def public_profile_data(request, visible):
    """Return the JSON of a ``VisibleProfile``: ``username`` and only the keys it holds.

    A list comes with its ``<list>_count`` (all of it) and ``<list>_next`` (the
    address of its second page, or None).
    """
    fields = visible.fields
    data = {"username": visible.username}
    if "full_name" in fields:
        data["full_name"] = fields["full_name"]
    if "photo" in fields:
        data["photo"] = request.build_absolute_uri(reverse("api:learner_photo", args=[visible.username]))
    if "bio" in fields:
        data["bio"] = fields["bio"]
    if "country" in fields:
        data["country"] = {"code": fields["country"].code, "name": str(fields["country"].name)}
    if "education" in fields:
        data["education"] = {
            "level": str(fields["education"]["level"]),
            "occupation": fields["education"]["occupation"],
        }
    if "courses" in fields:
        data["courses"] = [{"title": c.title, "partner": c.partner} for c in fields["courses"]]
        data["courses_count"] = len(fields["courses"]) + visible.more["courses"]
        data["courses_next"] = _list_next(request, visible, "courses")
    if "accomplishments" in fields:
        data["accomplishments"] = [
            _accomplishment_data(a.title, a.partner, a.completed_at) for a in fields["accomplishments"]
        ]
        data["accomplishments_count"] = len(fields["accomplishments"]) + visible.more["accomplishments"]
        data["accomplishments_next"] = _list_next(request, visible, "accomplishments")
    return data


PROFILE_EXAMPLE = {
    "username": "amara",
    "full_name": "Amara Okafor",
    "country": {"code": "NG", "name": "Nigeria"},
    "accomplishments": [
        {
            "title": "Data Privacy 101",
            "partner": "Lagos Tech",
            "completed_at": "2026-09-14T16:02:00Z",
        }
    ],
    "accomplishments_count": 1,
    "accomplishments_next": None,
}


class LearnerProfileView(PortalAPIView):
    """A learner's profile, with only what its owner lets this viewer see."""

    permission_classes = [AllowAny]

    @staticmethod
    def _answer_variant(request):
        # Absolute links name the host; country names and messages are in the request's language.
        return f"json:{get_language()}:{request.build_absolute_uri('/')}"

    def cache_keys_read_with_limit(self, request, username):
        # Read with the per-IP limit's count: the whole answer's keys, for each class of viewer.
        return public_answer_keys(username=username, variant=self._answer_variant(request))

    @extend_schema(
        tags=["learners"],
        operation_id="learner_profile",
        summary="A learner's public profile",
        description="Exactly what `/learners/<username>/` shows this viewer: anyone sees `public` fields, signed-in "
        "learners also `learners` fields, the owner everything filled in. Hidden or empty parts are absent. "
        "Email, phone and date of birth are never included. 404 when nothing is visible, exactly as for a "
        "username that does not exist.\n\n"
        f"`courses` and `accomplishments` hold the newest {PROFILE_LIST_LENGTH}, as the page lists them; "
        "`courses_count` and `accomplishments_count` say how many there are in all, and `courses_next` and "
        "`accomplishments_next` link to the next page of each (`/api/v1/learners/<username>/courses/` and "
        "`.../accomplishments/`, whose first page is the same list). `?lists=all` puts every one in the profile "
        'instead, as the page\'s "Show all" does.',
        parameters=[
            OpenApiParameter(
                "lists",
                str,
                enum=["all"],
                required=False,
                description=f"`all` lists every course and accomplishment, not the newest {PROFILE_LIST_LENGTH}.",
            )
        ],
        auth=[{"personalAccessToken": []}, {"browserSession": []}, {}],
        responses={
            200: OpenApiResponse(
                PublicProfileSerializer,
                examples=[OpenApiExample("seen by anyone", PROFILE_EXAMPLE, response_only=True)],
            ),
            401: error_response("A token was sent but is not valid.", "invalid_token"),
            404: error_response("No such learner, or nothing visible to you.", "not_found"),
            429: error_response("Too many requests.", "throttled"),
        },
    )
    def get(self, request, username):
        """Answer the profile; as plain JSON for a cached class of viewer, kept whole per site address.

        The JSON is the same for every viewer of a class but holds absolute addresses, so it
        is kept per scheme and host (``ALLOWED_HOSTS`` bounds them). Asked for with media type
        parameters (``application/json; indent=4``), it is rendered each time.
        """
        list_length = list_length_asked(request)
        renderer = request.accepted_renderer
        slot = None
        if request.accepted_media_type == renderer.media_type:
            slot = public_answer_read(
                viewer=request.user,
                username=username,
                list_length=list_length,
                variant=self._answer_variant(request),
                read=self.read_with_limit,
            )
            if slot is not None and slot.kept is not None:
                return answer_from_kept(request, slot.kept)
        visible, _ = access_public_profile(viewer=request.user, username=username, list_length=list_length)
        data = public_profile_data(request, visible)
        if slot is None:
            return Response(data)
        # Rendered here, as DRF would, so that the answer kept is the one sent.
        body = renderer.render(data, request.accepted_media_type, self.get_renderer_context())
        response = HttpResponse(body, content_type=renderer.media_type)
        public_answer_write(slot, visible=visible, kept=answer_keep(request, response))
        return response


def _learner_list_schema(name, serializer, example):
    return extend_schema(
        tags=["learners"],
        operation_id=f"learner_{name}",
        summary=f"A learner's {name}, in pages",
        description=f"The `{name}` of a learner's profile, in pages of {PROFILE_LIST_LENGTH} (`?page=`, "
        f"`?page_size=`): the first page is the profile's `{name}`, whose `{name}_next` links to the second. To the "
        f"viewers who see `{name}` on the profile; 404 to everyone else, exactly as for a learner who does not exist.",
        auth=[{"personalAccessToken": []}, {"browserSession": []}, {}],
        responses={
            200: documented_answer(serializer(many=True), f"one of the {name}", example),
            400: error_response("`page_size` is not a whole number from 1 to 100.", "invalid"),
            401: error_response("A token was sent but is not valid.", "invalid_token"),
            404: error_response(f"No such learner or page, or the {name} are hidden from you.", "not_found"),
            429: error_response("Too many requests.", "throttled"),
        },
    )


class LearnerCoursesView(PortalAPIView):
    """A learner's courses, newest first, in pages: to the viewers who see them on the profile."""

    permission_classes = [AllowAny]
    pagination_class = PortalPagination

    @_learner_list_schema("courses", CourseSerializer, {"title": "Data Privacy 101", "partner": "Lagos Tech"})
    def get(self, request, username):
        subject_id = access_learner_list(viewer=request.user, username=username, name="courses")
        return self.paginated(learner_courses(subject_id), lambda page: CourseSerializer(page, many=True).data)


class LearnerAccomplishmentsView(PortalAPIView):
    """A learner's completed courses, the most recently completed first, in pages: to the viewers who see them."""

    permission_classes = [AllowAny]
    pagination_class = PortalPagination

    @_learner_list_schema(
        "accomplishments",
        AccomplishmentSerializer,
        {"title": "Data Privacy 101", "partner": "Lagos Tech", "completed_at": "2026-09-14T16:02:00Z"},
    )
    def get(self, request, username):
        subject_id = access_learner_list(viewer=request.user, username=username, name="accomplishments")
        return self.paginated(
            learner_accomplishments(subject_id), lambda page: AccomplishmentSerializer(page, many=True).data
        )


class LearnerPhotoView(PortalAPIView):
    """A learner's photo (JPEG), served only to the viewers its owner allows."""

    permission_classes = [AllowAny]
    content_negotiation_class = IgnoreAcceptNegotiation

    @extend_schema(
        tags=["learners"],
        operation_id="learner_photo",
        summary="A learner's photo",
        description="The photo as a JPEG (at most 512 pixels a side, without location or camera data), to the "
        "viewers who see the `photo` key of the profile; 404 to everyone else. Your own photo: your username.",
        auth=[{"personalAccessToken": []}, {"browserSession": []}, {}],
        responses={
            (200, "image/jpeg"): OpenApiResponse(bytes, description="The photo."),
            (401, "application/json"): error_response("A token was sent but is not valid.", "invalid_token"),
            (404, "application/json"): error_response("No such learner, or the photo is hidden from you.", "not_found"),
            (429, "application/json"): error_response("Too many requests.", "throttled"),
        },
    )
    def get(self, request, username):
        response = FileResponse(access_learner_photo(viewer=request.user, username=username), content_type="image/jpeg")
        # SECURITY: a photo made private again must not linger in shared caches.
        response["Cache-Control"] = "private, no-cache"
        return response
