"""REST API of the accounts app: your own profile (``/api/v1/me/profile/``), as on the Account tab.

The serializers read JSON types (text is a string, a date is ISO 8601), with the
model's length limits; ``services.profile_update`` decides what is valid, as for
the Account tab: the same rules, messages, audit rows and photo handling.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from learnerportal.api.errors import (
    AUTH_ERRORS,
    WRITE_ERRORS,
    documented_answer,
    error_body,
    error_response,
    unknown_keys_error,
)
from learnerportal.api.fields import StrictBooleanField, StrictCharField, StrictDateField
from learnerportal.api.parsers import JSONParser
from learnerportal.api.views import PortalAPIView
from learnerportal.http import accepts_upload

from . import conf
from .exceptions import InvalidPhoto
from .models import Profile
from .services import PROFILE_EDITABLE_FIELDS, profile_update


def _max_length(name):
    """Return the maximum length of the profile's field ``name``, as the model defines it."""
    return Profile._meta.get_field(name).max_length


#: The education levels, as the model lists them, and "" for none.
EDUCATION_LEVEL_CHOICES = [("", gettext_lazy("Not set")), *Profile._meta.get_field("education_level").choices]


class ProfileSerializer(serializers.Serializer):
    """Your profile. Only you and our staff see all of it; the Privacy tab decides what others see."""

    username = serializers.CharField(read_only=True, help_text="Public: part of your profile's address.")
    email = serializers.EmailField(read_only=True, help_text="Private: we sign you in and reach you with it.")
    full_name = serializers.CharField(max_length=_max_length("full_name"), allow_blank=True, required=False)
    bio = serializers.CharField(max_length=_max_length("bio"), allow_blank=True, required=False)
    phone = serializers.CharField(
        max_length=_max_length("phone"),
        allow_blank=True,
        required=False,
        help_text="Digits, optionally + and the country code.",
    )
    date_of_birth = serializers.DateField(allow_null=True, required=False, help_text="Never shown on your profile.")
    country = serializers.CharField(
        max_length=_max_length("country"),
        allow_blank=True,
        required=False,
        help_text='ISO 3166-1 alpha-2 code, e.g. "PT"; "" for none.',
    )
    us_state = serializers.CharField(
        max_length=_max_length("us_state"),
        allow_blank=True,
        required=False,
        help_text='In the United States, the state\'s USPS code, e.g. "CA" (the law follows it); "" elsewhere.',
    )
    education_level = serializers.ChoiceField(choices=EDUCATION_LEVEL_CHOICES, allow_blank=True, required=False)
    occupation = serializers.CharField(max_length=_max_length("occupation"), allow_blank=True, required=False)
    timezone = serializers.CharField(
        max_length=_max_length("timezone"),
        allow_blank=True,
        required=False,
        help_text='An IANA time zone, e.g. "Europe/Lisbon".',
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        allow_blank=True,
        required=False,
        help_text='The language of your pages and emails, e.g. "es"; "" follows your browser.',
    )
    photo = serializers.URLField(
        read_only=True, allow_null=True, help_text="Where your photo is served; null when you have none."
    )
    updated_at = serializers.DateTimeField(read_only=True)


class ProfileUpdateSerializer(serializers.Serializer):
    """The profile fields to change (any subset), as JSON."""

    full_name = StrictCharField(max_length=_max_length("full_name"), allow_blank=True, required=False)
    bio = StrictCharField(max_length=_max_length("bio"), allow_blank=True, required=False)
    phone = StrictCharField(max_length=_max_length("phone"), allow_blank=True, required=False)
    date_of_birth = StrictDateField(allow_null=True, required=False, help_text="null clears it (JSON only).")
    country = StrictCharField(max_length=_max_length("country"), allow_blank=True, required=False)
    us_state = StrictCharField(max_length=_max_length("us_state"), allow_blank=True, required=False)
    education_level = serializers.ChoiceField(choices=EDUCATION_LEVEL_CHOICES, allow_blank=True, required=False)
    occupation = StrictCharField(max_length=_max_length("occupation"), allow_blank=True, required=False)
    timezone = StrictCharField(max_length=_max_length("timezone"), allow_blank=True, required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, allow_blank=True, required=False)
    remove_photo = StrictBooleanField(required=False, help_text="true removes your current photo.")


class PhotoUploadSerializer(serializers.Serializer):
    """A new photo, as multipart/form-data."""

    photo = serializers.FileField(
        help_text=f"A JPEG, PNG or WebP image up to {conf.PHOTO_MAX_BYTES / 1_048_576:g} MB and "
        + ", ".join(f"{most / 1_000_000:g} million pixels for a {kind}" for kind, most in conf.PHOTO_MAX_PIXELS.items())
        + f", one side at most {conf.PHOTO_MAX_ASPECT_RATIO:g} times the other"
        + "; location and camera data are removed."
    )


def profile_data(request, profile):
    """Return the JSON of ``profile`` for its owner."""
    user = profile.user
    return {
        "username": user.username,
        "email": user.email,
        **{
            name: getattr(profile, name) for name in ("full_name", "bio", "phone", "occupation", "timezone", "language")
        },
        "date_of_birth": profile.date_of_birth.isoformat() if profile.date_of_birth else None,
        "country": profile.country.code or "",
        "us_state": profile.us_state,
        "education_level": profile.education_level,
        "photo": request.build_absolute_uri(reverse("api:learner_photo", args=[user.username]))
        if profile.photo
        else None,
        "updated_at": serializers.DateTimeField().to_representation(profile.updated_at),
    }


PROFILE_EXAMPLE = {
    "username": "amara",
    "email": "amara@example.org",
    "full_name": "Amara Okafor",
    "bio": "Learning data science in the evenings.",
    "phone": "+44 7700 900123",
    "date_of_birth": "1994-03-02",
    "country": "GB",
    "us_state": "",
    "education_level": "bachelor",
    "occupation": "Nurse",
    "timezone": "Europe/London",
    "language": "en-gb",
    "photo": "http://127.0.0.1:8000/api/v1/learners/amara/photo/",
    "updated_at": "2026-11-30T10:12:00Z",
}


@method_decorator(accepts_upload(lambda: conf.PHOTO_MAX_BYTES), name="dispatch")
class MyProfileView(PortalAPIView):
    """Your own profile (the Account tab)."""

    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        tags=["profile"],
        operation_id="me_profile_read",
        summary="Your profile",
        responses={
            200: OpenApiResponse(
                ProfileSerializer, examples=[OpenApiExample("profile", PROFILE_EXAMPLE, response_only=True)]
            ),
            **AUTH_ERRORS,
        },
    )
    def get(self, request):
        return Response(profile_data(request, Profile.objects.select_related("user").get(user=request.user)))

    @extend_schema(
        tags=["profile"],
        operation_id="me_profile_update",
        summary="Change your profile",
        description="Send only what changes, as JSON; to upload a new photo, send it alone as the `photo` part of "
        "`multipart/form-data`. The rules "
        f"are the Account tab's: bio up to {Profile.BIO_MAX_LENGTH} characters, a real date of birth, "
        "a known country and time zone, a phone number of digits. Nothing is saved when anything is refused. "
        "Photos are re-encoded without location or camera data.",
        request={"application/json": ProfileUpdateSerializer, "multipart/form-data": PhotoUploadSerializer},
        examples=[OpenApiExample("new bio", {"bio": "Learning statistics."}, request_only=True)],
        responses={
            200: documented_answer(ProfileSerializer, "saved", PROFILE_EXAMPLE, "The profile as saved."),
            400: error_response("A value is refused; `fields` says why.", "invalid", "invalid_photo", "parse_error"),
            415: error_response("Not JSON or multipart.", "unsupported_media_type"),
            **WRITE_ERRORS,
        },
    )
    def patch(self, request):
        if not hasattr(request.data, "keys"):
            return Response(error_body("invalid", _("Send an object of the fields to change.")), status=400)
        multipart = request.content_type.startswith("multipart/")
        allowed = {"photo"} if multipart else {*PROFILE_EDITABLE_FIELDS, "remove_photo"}
        if refusal := unknown_keys_error(request.data, allowed):
            return refusal
        if multipart and "photo" not in request.FILES:
            return Response(
                error_body("invalid", _("Send the photo as a file."), {"photo": [_("No file was sent.")]}), status=400
            )
        # The serializer reads the types (a list is not a name); the service decides what is valid.
        parsed = ProfileUpdateSerializer(data=request.data, partial=True)
        parsed.is_valid(raise_exception=True)
        try:
            profile = profile_update(
                actor=request.user,
                user=request.user,
                data={name: value for name, value in parsed.validated_data.items() if name in PROFILE_EDITABLE_FIELDS},
                photo=request.FILES.get("photo"),
                remove_photo=parsed.validated_data.get("remove_photo", False),
            )
        except ValidationError as error:
            code = "invalid_photo" if set(error.message_dict) == {"photo"} else "invalid"
            return Response(
                error_body(code, _("Nothing was saved: some values are not valid."), error.message_dict), status=400
            )
        except InvalidPhoto as error:  # the header was fine, the image data is not
            return Response(
                error_body("invalid_photo", _("Nothing was saved: the photo is not valid."), {"photo": [error.detail]}),
                status=400,
            )
        return Response(profile_data(request, profile))
