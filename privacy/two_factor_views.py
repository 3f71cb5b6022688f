"""Views of two-factor authentication: set-up, backup codes, turning off, and the sign-in code step.

They live under /settings/privacy/two-factor/ (the Privacy tab, as the design
puts it); the code step of signing in is /accounts/login/code/.
"""

import base64
import math

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from accounts.models import TOTPDevice
from accounts.services import personal_access_tokens_revoke_all, user_sessions_end_others
from learnerportal.http import safe_next_url

from . import conf
from .exceptions import TwoFactorError
from .forms import CodeForm, PasswordAndCodeForm, PasswordForm, SetupCodeForm
from .reauthentication import authentication_mark
from .selectors import device_pause, two_factor_enabled, two_factor_pause
from .services import (
    backup_codes_regenerate,
    password_confirm,
    two_factor_disable,
    two_factor_login_complete,
    two_factor_login_pending_user,
    two_factor_setup_begin,
    two_factor_setup_confirm,
)
from .tokens import staff_enrolment_token_generator


def _backup_codes_page(request, codes, *, title):
    return render(request, "privacy/two_factor_backup_codes.html", {"codes": codes, "title": title})


SETUP_SESSION_KEY = "privacy_two_factor_setup_device"
STAFF_ENROLMENT_SESSION_KEY = "privacy_staff_enrolment"


@never_cache
@login_required
def two_factor_staff_enrol(request, uidb64, token):
    """Open two-factor set-up to a staff member who followed their enrolment link (see ``privacy.tokens``)."""
    try:
        link_user_pk = urlsafe_base64_decode(uidb64).decode()
    except (ValueError, UnicodeDecodeError):
        link_user_pk = None
    # SECURITY: the link works only in its own staff member's session, and only while it is live.
    if link_user_pk != str(request.user.pk) or not staff_enrolment_token_generator.check_token(request.user, token):
        messages.error(
            request,
            "This enrolment link does not work any more: links last "
            f"{conf.STAFF_ENROLMENT_SECONDS // 3600} hours, work once, and only for the account they were sent to. "
            "Ask a superuser for a new one.",
        )
        return redirect("privacy:settings")
    request.session[STAFF_ENROLMENT_SESSION_KEY] = request.user.pk
    return redirect("privacy:two_factor_setup")


@never_cache
@login_required
def two_factor_setup(request):
    """Show the QR code and key of a new authenticator, and turn 2FA on with its first code.

    Each visit makes a new key (an abandoned key never becomes valid later);
    turning 2FA on signs out every other session, which only had the password.
    """
    if two_factor_enabled(request.user):
        messages.info(request, "Two-factor authentication is already on.")
        return redirect("privacy:settings")
    if request.user.is_staff and request.session.get(STAFF_ENROLMENT_SESSION_KEY) != request.user.pk:
        # SECURITY: a staff password alone must not enrol an authenticator, or whoever
        # has the password would reach the admin site with their own.
        return render(request, "privacy/two_factor_staff_link.html", {"tab": "privacy"}, status=403)
    form = SetupCodeForm(request.POST or None)
    device = None
    if request.method == "POST":
        pending = TOTPDevice.objects.filter(
            user=request.user, pk=request.session.get(SETUP_SESSION_KEY), confirmed=False
        ).first()
        if form.is_valid():
            pause = device_pause(pending) if pending is not None else 0
            try:
                device, codes = two_factor_setup_confirm(
                    user=request.user,
                    device_id=request.session.get(SETUP_SESSION_KEY),
                    token=form.cleaned_data["token"],
                )
            except TwoFactorError as error:
                # No backup codes exist before set-up ends: the message does not mention them.
                form.add_error("token", _paused_message(pause, backup_codes=False) if pause else error.detail)
            else:
                request.session.pop(SETUP_SESSION_KEY, None)
                request.session.pop(STAFF_ENROLMENT_SESSION_KEY, None)
                otp_login(request, device)  # this session has just proved the second factor
                user_sessions_end_others(
                    actor=request.user, user=request.user, current_session_key=request.session.session_key
                )
                # SECURITY: a token made with the password alone would otherwise outlive this.
                revoked = personal_access_tokens_revoke_all(actor=request.user, user=request.user)
                messages.success(
                    request,
                    "Two-factor authentication is on. Your other sessions were signed out"
                    + (" and your API tokens revoked: make new ones if you need them." if revoked else "."),
                )
                return _backup_codes_page(request, codes, title="Save your backup codes")
        device = pending
    if device is None:
        device = two_factor_setup_begin(user=request.user)
        request.session[SETUP_SESSION_KEY] = device.pk
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#1d2a33", title="QR code for your authenticator app", omitsize=True
    )
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "privacy/two_factor_setup.html", {"form": form, "qr_svg": qr_svg, "secret": grouped})


def _code_step_passed(request):
    """Return a redirect to sign in again with a code when this session has 2FA on but only passed the password."""
    if request.user.is_verified():
        return None
    logout(request)
    messages.info(request, "For this, sign in again with your password and a code from your app.")
    return redirect_to_login(request.get_full_path(), login_url=reverse("accounts:login"))


def _with_password_and_code(request, *, action, template, done):
    """Run a change to an account's 2FA that the password and a current code must confirm.

    Shared by making new backup codes and turning 2FA off: both need 2FA to be on
    and this session to have passed the code step, and show ``template`` with a
    ``PasswordAndCodeForm`` (errors beside the field) until ``action`` succeeds.

    Args:
        action: a service called as ``action(request=, user=, password=, token=)``;
            it raises ``TwoFactorError`` (with ``field``) for a wrong password or code.
        template: the form's template.
        done: called with ``action``'s result; returns the response on success.
    """
    if not two_factor_enabled(request.user):
        return redirect("privacy:settings")
    if refusal := _code_step_passed(request):
        return refusal
    form = PasswordAndCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        pause = two_factor_pause(user=request.user, token=token)
        try:
            result = action(request=request, user=request.user, password=form.cleaned_data["password"], token=token)
        except TwoFactorError as error:
            form.add_error(error.field, _paused_message(pause) if pause and error.field == "token" else error.detail)
        else:
            return done(result)
    return render(request, template, {"form": form})


@never_cache
@login_required
@sensitive_post_parameters("password", "token")
def two_factor_backup_codes(request):
    """Make a new set of backup codes with the password and a current code; the old set stops working."""
    return _with_password_and_code(
        request,
        action=backup_codes_regenerate,
        template="privacy/two_factor_new_codes.html",
        done=lambda codes: _backup_codes_page(request, codes, title="Your new backup codes"),
    )


def _two_factor_turned_off(request):
    messages.success(request, "Two-factor authentication is off. Your backup codes no longer work.")
    return redirect("privacy:settings")


@never_cache
@login_required
@sensitive_post_parameters("password", "token")
def two_factor_disable_view(request):
    """Turn 2FA off with the password and a current code."""
    return _with_password_and_code(
        request,
        action=two_factor_disable,
        template="privacy/two_factor_disable.html",
        done=lambda _: _two_factor_turned_off(request),
    )


WRONG_CODE = "That code is not right, or was already used. Try the newest code."


def _paused_message(seconds, *, backup_codes=True):
    wait = f"{seconds} second{'' if seconds == 1 else 's'}" if seconds < 90 else f"{math.ceil(seconds / 60)} minutes"
    spent = ", and a backup code is not used up" if backup_codes else ""
    return f"After a wrong code, checking pauses for a moment: this code was not checked{spent}. Try again in {wait}."


@never_cache
@sensitive_post_parameters("token")
def two_factor_login(request):
    """The second step of signing in: a code from the app or a backup code."""
    if two_factor_login_pending_user(request) is None:
        messages.info(request, "Please sign in with your password first.")
        return redirect("accounts:login")
    next_url = safe_next_url(request, reverse("home"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        pause = two_factor_pause(user=two_factor_login_pending_user(request), token=token)
        try:
            user = two_factor_login_complete(request, token)
        except TwoFactorError as error:
            messages.error(request, error.detail)
            return redirect("accounts:login")
        if user is not None:
            return redirect(next_url)
        form.add_error("token", _paused_message(pause) if pause else WRONG_CODE)
    return render(request, "privacy/two_factor_login.html", {"form": form, "next": next_url})


@never_cache
@login_required
@sensitive_post_parameters("password")
def confirm_password(request):
    """Ask for the password again before a sensitive action, then go back to it."""
    next_url = safe_next_url(request, reverse("privacy:settings"))
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_confirm(request, user=request.user, password=form.cleaned_data["password"])
        except TwoFactorError as error:
            form.add_error("password", error.detail)
        else:
            authentication_mark(request)
            return redirect(next_url)
    return render(request, "privacy/confirm_password.html", {"form": form, "next": next_url})
