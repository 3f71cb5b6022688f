"""Views of two-factor authentication: set-up, backup codes, turning off, and the sign-in code step.

They live under /settings/privacy/two-factor/ (the Privacy tab, as the design
puts it); the code step of signing in is /accounts/login/code/.
"""

import base64

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from .exceptions import TwoFactorError
from .forms import CodeForm, DisableTwoFactorForm, PasswordForm, SetupCodeForm
from .reauthentication import authentication_mark
from .selectors import two_factor_enabled
from .services import (
    backup_codes_regenerate,
    two_factor_disable,
    two_factor_login_complete,
    two_factor_login_pending_user,
    two_factor_setup_begin,
    two_factor_setup_confirm,
)


def _backup_codes_page(request, codes, *, title):
    return render(request, "privacy/two_factor_backup_codes.html", {"codes": codes, "title": title})


@never_cache
@login_required
def two_factor_setup(request):
    """Show the QR code and key of a new authenticator, and turn 2FA on with its first code."""
    if two_factor_enabled(request.user):
        messages.info(request, "Two-factor authentication is already on.")
        return redirect("privacy:settings")
    device = two_factor_setup_begin(user=request.user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor_setup_confirm(user=request.user, token=form.cleaned_data["token"])
        except TwoFactorError as error:
            form.add_error("token", error.detail)
        else:
            otp_login(request, device)  # this session has just proved the second factor
            messages.success(request, "Two-factor authentication is on.")
            return _backup_codes_page(request, codes, title="Save your backup codes")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#1d2a33", title="QR code for your authenticator app", omitsize=True
    )
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "privacy/two_factor_setup.html", {"form": form, "qr_svg": qr_svg, "secret": grouped})


@never_cache
@require_POST
@login_required
@sensitive_post_parameters("password")
def two_factor_backup_codes(request):
    """Make a new set of backup codes (password asked again); the old set stops working."""
    form = PasswordForm(request.POST)
    if form.is_valid() and request.user.check_password(form.cleaned_data["password"]):
        try:
            codes = backup_codes_regenerate(user=request.user)
        except TwoFactorError as error:
            messages.error(request, error.detail)
            return redirect("privacy:settings")
        return _backup_codes_page(request, codes, title="Your new backup codes")
    messages.error(request, "No new codes were made: that password is not right.")
    return redirect(reverse("privacy:settings") + "#two-factor")


@never_cache
@login_required
@sensitive_post_parameters("password", "token")
def two_factor_disable_view(request):
    """Turn 2FA off with the password and a current code."""
    if not two_factor_enabled(request.user):
        return redirect("privacy:settings")
    form = DisableTwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor_disable(
                user=request.user, password=form.cleaned_data["password"], token=form.cleaned_data["token"]
            )
        except TwoFactorError as error:
            form.add_error(error.field, error.detail)
        else:
            messages.success(request, "Two-factor authentication is off. Your backup codes no longer work.")
            return redirect("privacy:settings")
    return render(request, "privacy/two_factor_disable.html", {"form": form})


@never_cache
@sensitive_post_parameters("token")
def two_factor_login(request):
    """The second step of signing in: a code from the app or a backup code."""
    if two_factor_login_pending_user(request) is None:
        messages.info(request, "Please sign in with your password first.")
        return redirect("accounts:login")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = two_factor_login_complete(request, form.cleaned_data["token"])
        except TwoFactorError as error:
            messages.error(request, error.detail)
            return redirect("accounts:login")
        if user is not None:
            return redirect(next_url or "home")
        form.add_error("token", "That code is not right, or was already used. Try the newest code.")
    return render(request, "privacy/two_factor_login.html", {"form": form, "next": next_url})


@never_cache
@login_required
@sensitive_post_parameters("password")
def confirm_password(request):
    """Ask for the password again before a sensitive action, then go back to it."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("privacy:settings")
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.user.check_password(form.cleaned_data["password"]):
            authentication_mark(request)
            return redirect(next_url)
        form.add_error("password", "That password is not right.")
    return render(request, "privacy/confirm_password.html", {"form": form, "next": next_url})
