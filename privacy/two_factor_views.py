"""Views of two-factor authentication on the Privacy tab: set-up, new backup codes, turning it off.

They live under /settings/privacy/two-factor/ (the Privacy tab, as the design puts it) and call
``accounts.two_factor``, which owns second factors; the code step of signing in is in accounts.
"""

import base64

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import conf as accounts_conf
from accounts.exceptions import TwoFactorError
from accounts.forms import PasswordAndCodeForm, SetupCodeForm
from accounts.models import TOTPDevice
from accounts.selectors import device_pause, two_factor_enabled, two_factor_pause
from accounts.two_factor import (
    STAFF_ENROLMENT_SESSION_KEY,
    backup_codes_regenerate,
    pause_in_words,
    two_factor_disable,
    two_factor_setup_begin,
    two_factor_setup_cancel,
    two_factor_turn_on,
)


def _backup_codes_page(request, codes, *, title):
    return render(request, "privacy/two_factor_backup_codes.html", {"codes": codes, "title": title})


SETUP_SESSION_KEY = "privacy_two_factor_setup_device"


@never_cache
@login_required
def two_factor_setup(request):
    """Show the QR code and key of a new authenticator, and turn 2FA on with its first code.

    The key stays the same while this session's set-up lasts (``two_factor_setup_begin``),
    until the learner turns 2FA on or cancels; turning it on signs out every other
    session, which only had the password.
    """
    if two_factor_enabled(request.user):
        messages.info(request, _("Two-factor authentication is already on."))
        return redirect("privacy:settings")
    if request.user.is_staff and request.session.get(STAFF_ENROLMENT_SESSION_KEY) != request.user.pk:
        # SECURITY: a staff password alone must not enrol an authenticator, or whoever
        # has the password would reach the admin site with their own.
        return render(request, "privacy/two_factor_staff_link.html", {"tab": "privacy"}, status=403)
    if request.method == "POST" and "cancel" in request.POST:
        two_factor_setup_cancel(user=request.user, device_id=request.session.pop(SETUP_SESSION_KEY, None))
        messages.info(request, _("Two-factor set-up cancelled. Nothing changed: it is still off."))
        return redirect("privacy:settings")
    form = SetupCodeForm(request.POST or None)
    device = None
    if request.method == "POST":
        pending = TOTPDevice.objects.filter(
            user=request.user, pk=request.session.get(SETUP_SESSION_KEY), confirmed=False
        ).first()
        if form.is_valid():
            pause = device_pause(pending) if pending is not None else 0
            try:
                codes, revoked = two_factor_turn_on(
                    request=request, device_id=request.session.get(SETUP_SESSION_KEY), token=form.cleaned_data["token"]
                )
            except TwoFactorError as error:
                # No backup codes exist before set-up ends: the message does not mention them.
                form.add_error("token", pause_in_words(pause, backup_codes=False) if pause else error.detail)
            else:
                request.session.pop(SETUP_SESSION_KEY, None)
                request.session.pop(STAFF_ENROLMENT_SESSION_KEY, None)
                messages.success(
                    request,
                    _(
                        "Two-factor authentication is on. Your other sessions were signed out and your API tokens "
                        "revoked: make new ones if you need them."
                    )
                    if revoked
                    else _("Two-factor authentication is on. Your other sessions were signed out."),
                )
                return _backup_codes_page(request, codes, title=_("Save your backup codes"))
        device = pending
    if device is None:
        device = two_factor_setup_begin(user=request.user, resume=request.session.get(SETUP_SESSION_KEY))
        request.session[SETUP_SESSION_KEY] = device.pk
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#1d2a33", title=_("QR code for your authenticator app"), omitsize=True
    )
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "privacy/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": grouped,
            "setup_minutes": accounts_conf.TWO_FACTOR_SETUP_SECONDS // 60,
        },
    )


def code_step_passed(request):
    """Return a redirect to sign in again with a code when this session has 2FA on but only passed the password."""
    if request.user.is_verified():
        return None
    logout(request)
    messages.info(request, _("For this, sign in again with your password and a code from your app."))
    return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:login"))


def with_password_and_code(request, *, action, template, done, context=None):
    """Run a change to an account's 2FA that the password and a current code must confirm.

    Shared by making new backup codes, turning 2FA off and removing a passkey: all need 2FA to be on
    and this session to have passed the code step, and show ``template`` with a
    ``PasswordAndCodeForm`` (errors beside the field) until ``action`` succeeds.

    Args:
        action: a service called as ``action(request=, user=, password=, token=)``;
            it raises ``TwoFactorError`` (with ``field``) for a wrong password or code.
        template: the form's template.
        done: called with ``action``'s result; returns the response on success.
        context: more for the template, beside ``form``.
    """
    if not two_factor_enabled(request.user):
        return redirect("privacy:settings")
    if refusal := code_step_passed(request):
        return refusal
    form = PasswordAndCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        pause = two_factor_pause(user=request.user, token=token)
        try:
            result = action(request=request, user=request.user, password=form.cleaned_data["password"], token=token)
        except TwoFactorError as error:
            form.add_error(error.field, pause_in_words(pause) if pause and error.field == "token" else error.detail)
        else:
            return done(result)
    return render(request, template, {"form": form, **(context or {})})


@never_cache
@login_required
@sensitive_post_parameters("password", "token")
def two_factor_backup_codes(request):
    """Make a new set of backup codes with the password and a current code; the old set stops working."""
    return with_password_and_code(
        request,
        action=backup_codes_regenerate,
        template="privacy/two_factor_new_codes.html",
        done=lambda codes: _backup_codes_page(request, codes, title=_("Your new backup codes")),
    )


def _two_factor_turned_off(request):
    messages.success(request, _("Two-factor authentication is off. Your backup codes no longer work."))

    return redirect("privacy:settings")


@never_cache
@login_required
@sensitive_post_parameters("password", "token")
def two_factor_disable_view(request):
    """Turn 2FA off with the password and a current code."""
    return with_password_and_code(
        request,
        action=two_factor_disable,
        template="privacy/two_factor_disable.html",
        done=lambda _: _two_factor_turned_off(request),
    )
