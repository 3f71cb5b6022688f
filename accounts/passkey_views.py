"""The JSON endpoints of passkey ceremonies, called by django-otp-webauthn's scripts (served from our static files).

Adding a passkey (from the Privacy tab's page) and the code step of signing in each take two
requests: "begin" returns the options for the browser's WebAuthn call, "complete" sends back
what the device made. Errors are JSON ``{"code", "detail"}``; the scripts show ``detail``.
"""

import json

from django.http import JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import JavaScriptCatalog

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


#: Every message django-otp-webauthn's scripts show (their ``gettext()`` calls, English as the library
#: wrote it) → the portal's own, in its words ("passkey", "llave de acceso") and the reader's language. The
#: library's catalogs would show its Spanish ("clave de acceso", usted) and its English ("Register a Passkey").
#: A reply of ours that carries a ``detail`` (sign-in refused, session expired) is shown instead where the
#: scripts read it.
SCRIPT_MESSAGES = {
    # Adding a passkey (otp_webauthn_register.js).
    "Register a Passkey": _("Add a passkey"),
    "Registering...": _("Waiting for your device…"),
    "Registration failed. Unable to fetch registration options from server.": _(
        "The passkey could not be added: we could not reach the portal. Check your connection and try again."
    ),
    "Registration aborted.": _("Adding the passkey was cancelled."),
    "Registration failed. You most likely already have a Passkey registered for this site.": _(
        "This device already holds a passkey for your account: you can use that one."
    ),
    "Registration aborted or not allowed.": _(
        "No passkey was added: your device's request was cancelled or timed out. Try again when you are ready."
    ),
    "Registration failed. A technical problem occurred that prevents you from registering a Passkey for this site.": _(
        "This browser cannot add a passkey for this site. Try another browser, or keep using your codes."
    ),
    "Registration failed. An unknown error occurred.": _("The passkey could not be added. Please try again."),
    "Finishing registration...": _("Saving your passkey…"),
    "Registration failed. The server was unable to verify this passkey.": _(
        "The passkey could not be added. Reload the page and try again."
    ),
    "Registration failed. A server error occurred.": _(
        "The passkey could not be added because of a problem on our side. Please try again later."
    ),
    "Registration successful!": _("Passkey added."),
    "An error occurred during registration.": _("The passkey could not be added. Please try again."),
    # Signing in with a passkey at the code step (otp_webauthn_auth.js).
    "Verify with Passkey": _("Sign in with a passkey"),
    "Verifying...": _("Waiting for your device…"),
    "Verification failed. Could not retrieve parameters from the server.": _(
        "Your passkey cannot be used just now. Reload the page and try again, or enter a code."
    ),
    "Verification aborted.": _("Signing in with your passkey was cancelled."),
    "Verification canceled or not allowed.": _(
        "Your passkey was not used: the request was cancelled or timed out, or this device holds no passkey for "
        "your account. Try again, or enter a code."
    ),
    "Verification failed. An unknown error occurred.": _("That passkey was not accepted. Try again, or enter a code."),
    "Finishing verification...": _("Checking your passkey…"),
    "Verification failed. An unknown server error occurred.": _(
        "Your passkey could not be checked because of a problem on our side. Try again, or enter a code."
    ),
    "Verification failed. A server error occurred.": _(
        "Your passkey could not be checked because of a problem on our side. Try again, or enter a code."
    ),
    "Verification successful!": _("Passkey accepted. Signing you in…"),
    "An error occurred during verification.": _("That passkey was not accepted. Try again, or enter a code."),
}


@method_decorator(never_cache, name="dispatch")  # the language follows the reader, who may change it
class PasskeyScriptMessages(JavaScriptCatalog):
    """Serve django-otp-webauthn's scripts their messages (``gettext()``) in the portal's words and the page's language.

    Django's JavaScript catalog (the scripts call its ``gettext``), filled from ``SCRIPT_MESSAGES``
    instead of the library's own catalogs; the library's ``djangojs`` catalog gives only the plural rule.
    """

    packages = ["django_otp_webauthn"]

    def get_catalog(self):
        """Return ``{the library's message: ours, translated}``."""
        return {message: str(ours) for message, ours in SCRIPT_MESSAGES.items()}
