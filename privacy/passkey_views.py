"""Views of passkeys on the Privacy tab: adding one, naming it, removing it.

They live under /settings/privacy/two-factor/passkeys/ beside the authenticator app's pages and
call ``accounts.passkeys``, which owns passkeys; the ceremonies' JSON endpoints are in accounts.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.exceptions import TwoFactorError
from accounts.forms import PasskeyNameForm
from accounts.passkeys import passkey_remove, passkey_rename, passkey_script_config
from accounts.reauthentication import recent_authentication_required
from accounts.selectors import access_own_passkey, passkeys_of, two_factor_enabled

from .two_factor_views import code_step_passed, with_password_and_code


@never_cache
@login_required
def passkey_add(request):
    """Add a passkey: the browser asks the device to make one (django-otp-webauthn's script), then it is named.

    Needs two-factor authentication on, a session that passed the code step, and the
    password given within the last minutes (asked again otherwise).
    """
    if not two_factor_enabled(request.user):
        messages.info(request, _("Turn on two-factor authentication with an authenticator app first."))
        return redirect("privacy:settings")
    if refusal := code_step_passed(request):
        return refusal
    return _passkey_add_page(request)


@recent_authentication_required
def _passkey_add_page(request):
    return render(
        request,
        "privacy/passkey_add.html",
        {
            "passkeys": passkeys_of(request.user),
            "passkey_config": passkey_script_config(request),
            "passkey_script": "django_otp_webauthn/otp_webauthn_register.js",
        },
    )


@never_cache
@login_required
def passkey_rename_view(request, passkey_id):
    """Name a passkey (the page a new passkey opens on), or rename one."""
    passkey = access_own_passkey(user=request.user, passkey_id=passkey_id)
    form = PasskeyNameForm(request.POST or None, initial={"name": passkey.name})
    if request.method == "POST" and form.is_valid():
        try:
            passkey = passkey_rename(
                actor=request.user, user=request.user, passkey_id=passkey.pk, name=form.cleaned_data["name"]
            )
        except TwoFactorError as error:
            form.add_error("name", error.detail)
        else:
            messages.success(request, _("Passkey saved as “%(name)s”.") % {"name": passkey.name})
            return redirect(reverse("privacy:settings") + "#two-factor")
    return render(request, "privacy/passkey_rename.html", {"form": form, "passkey": passkey})


@never_cache
@login_required
@sensitive_post_parameters("password", "token")
def passkey_remove_view(request, passkey_id):
    """Remove a passkey with the password and a current code (from the app, or a backup code)."""
    passkey = access_own_passkey(user=request.user, passkey_id=passkey_id)

    def removed(_result):
        messages.success(request, _("Passkey “%(name)s” removed. It no longer signs you in.") % {"name": passkey.name})
        return redirect("privacy:settings")

    return with_password_and_code(
        request,
        action=functools.partial(passkey_remove, passkey_id=passkey.pk),
        template="privacy/passkey_remove.html",
        done=removed,
        context={"passkey": passkey},
    )
