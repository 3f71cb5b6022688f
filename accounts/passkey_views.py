"""The JSON endpoints of passkey ceremonies, called by django-otp-webauthn's scripts (served from our static files).

Adding a passkey (from the Privacy tab's page) and the code step of signing in each take two
requests: "begin" returns the options for the browser's WebAuthn call, "complete" sends back
what the device made. Errors are JSON ``{"code", "detail"}``; the scripts show ``detail``.
"""

import json

from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from learnerportal.http import safe_next_url

from .exceptions import TwoFactorError
from .passkeys import passkey_add, passkey_registration_begin, passkey_sign_in_begin, passkey_sign_in_complete
from .reauthentication import recently_authenticated
from .selectors import two_factor_enabled
from .two_factor_views import second_factor_passed_tell


def _error(code, detail, status):
    return JsonResponse({"code": code, "detail": str(detail)}, status=status)


def _body(request):
    """Return the request's JSON object, or None when the body is not one."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _registration_refusal(request):
    """Return the JSON refusal when this session may not add a passkey now, else None."""
    user = request.user
    if not user.is_authenticated:
        return _error("not_authenticated", gettext("Please sign in first."), 401)
    if not two_factor_enabled(user):
        return _error("two_factor_off", gettext("Turn on two-factor authentication first."), 403)
    # SECURITY: a session that skipped the code step, or signed in long ago (a borrowed or stolen
    # session), must not add a second factor of its own.
    if not user.is_verified() or not recently_authenticated(request):
        return _error(
            "reauthenticate", gettext("For this, confirm your password again: reload the page to do it."), 403
        )
    return None


@never_cache
@require_POST
def passkey_registration_begin_view(request):
    """Return the options for ``navigator.credentials.create()`` to add a passkey."""
    if refusal := _registration_refusal(request):
        return refusal
    try:
        return JsonResponse(passkey_registration_begin(request))
    except TwoFactorError as error:
        return _error(error.code, error.detail, 403)


@never_cache
@require_POST
def passkey_registration_complete_view(request):
    """Keep the passkey the device made; answer its id and the page where it is named."""
    if refusal := _registration_refusal(request):
        return refusal
    data = _body(request)
    if data is None:
        return _error("malformed_request", gettext("That request was not understood."), 400)
    try:
        passkey = passkey_add(request=request, data=data)
    except TwoFactorError as error:
        return _error(error.code, error.detail, 422)
    return JsonResponse(
        {"id": passkey.pk, "redirect_url": reverse("privacy:passkey_rename", kwargs={"passkey_id": passkey.pk})}
    )


@never_cache
@require_POST
def passkey_sign_in_begin_view(request):
    """Return the options for ``navigator.credentials.get()`` at the code step of signing in."""
    try:
        return JsonResponse(passkey_sign_in_begin(request))
    except TwoFactorError as error:
        return _error(error.code, error.detail, 403)


@never_cache
@require_POST
def passkey_sign_in_complete_view(request):
    """Sign in with the passkey's signature; answer where to go next (the page asked for, else home)."""
    data = _body(request)
    if data is None:
        return _error("malformed_request", gettext("That request was not understood."), 400)
    try:
        user = passkey_sign_in_complete(request, data)
    except TwoFactorError as error:
        return _error(error.code, error.detail, 403)
    second_factor_passed_tell(request, user)
    return JsonResponse({"id": user.otp_device.pk, "redirect_url": safe_next_url(request, reverse("home"))})
