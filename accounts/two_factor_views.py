"""Views of signing in with a second factor: the code step, the password asked again, staff enrolment links."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from learnerportal.http import safe_next_url

from . import conf
from .exceptions import TwoFactorError
from .forms import CodeForm, PasswordForm
from .models import BackupCodeDevice
from .passkeys import passkey_script_config
from .reauthentication import authentication_mark
from .selectors import account_recovery_waiting, backup_codes_left, passkeys_of, two_factor_pause
from .tokens import staff_enrolment_token_generator
from .two_factor import (
    STAFF_ENROLMENT_SESSION_KEY,
    password_confirm,
    pause_in_words,
    two_factor_login_complete,
    two_factor_login_pending_user,
)


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
            _(
                "This enrolment link does not work any more: links last %(hours)s hours, work once, "
                "and only for the account they were sent to. Ask a superuser for a new one."
            )
            % {"hours": conf.STAFF_ENROLMENT_SECONDS // 3600},
        )
        return redirect("privacy:settings")
    request.session[STAFF_ENROLMENT_SESSION_KEY] = request.user.pk
    return redirect("privacy:two_factor_setup")


WRONG_CODE = gettext_lazy("That code is not right, or was already used. Try the newest code.")


#: At or below this many unused backup codes, signing in with one warns to make new ones.
BACKUP_CODES_LOW = 3


def _tell_backup_codes_left(request, left):
    """Say how many backup codes are left after one was used, warning when few are (``BACKUP_CODES_LOW``)."""
    if left > BACKUP_CODES_LOW:
        text = ngettext(
            "You signed in with a backup code; it no longer works. %(count)s backup code left.",
            "You signed in with a backup code; it no longer works. %(count)s backup codes left.",
            left,
        )
        messages.info(request, text % {"count": left})
    else:
        text = ngettext(
            "You signed in with a backup code; it no longer works. %(count)s backup code left. "
            "Make new ones on the Privacy tab before you run out.",
            "You signed in with a backup code; it no longer works. %(count)s backup codes left. "
            "Make new ones on the Privacy tab before you run out.",
            left,
        )
        messages.warning(request, text % {"count": left})


def second_factor_passed_tell(request, user):
    """Tell ``user``, just past the code step (a code, a backup code or a passkey), what they must know now.

    A recovery under way (a sign-in with a second factor does not cancel it: its owner decides, in
    one click), and how many backup codes are left after one was used.
    """
    if account_recovery_waiting(user) is not None:
        messages.warning(
            request,
            _(
                "A recovery of your account without its second factors is under way, and signing in does "
                "not stop it. If you did not start it, cancel it with the button at the top of the page."
            ),
        )
    if isinstance(getattr(user, "otp_device", None), BackupCodeDevice):
        _tell_backup_codes_left(request, backup_codes_left(user))


def _passkey_offer(request, user):
    """Return what the code step needs to offer ``user``'s passkeys first; {} when they have none."""
    if not passkeys_of(user):
        return {}
    return {
        "passkey_config": passkey_script_config(request),
        "passkey_script": "django_otp_webauthn/otp_webauthn_auth.js",
    }


@never_cache
@sensitive_post_parameters("token")
def two_factor_login(request):
    """The second step of signing in: a code from the app or a backup code."""
    if (pending := two_factor_login_pending_user(request)) is None:
        messages.info(request, _("Please sign in with your password first."))
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
            second_factor_passed_tell(request, user)
            return redirect(next_url)
        form.add_error("token", pause_in_words(pause) if pause else WRONG_CODE)
    context = {"form": form, "next": next_url, **_passkey_offer(request, pending)}
    if "passkey_config" in context and not form.errors:
        form.fields["token"].widget.attrs.pop("autofocus", None)  # the passkey comes first
    return render(request, "accounts/two_factor_login.html", context)


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
    return render(request, "accounts/confirm_password.html", {"form": form, "next": next_url})
