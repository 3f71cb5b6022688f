"""Views of recovering an account whose every second factor is lost (see ``accounts.recovery``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from learnerportal.http import safe_next_url

from . import conf
from .exceptions import RecoveryLinkInvalid
from .recovery import (
    account_recovery_cancel,
    account_recovery_cancel_by_link,
    account_recovery_for_link,
    account_recovery_request,
    account_recovery_start,
)
from .tokens import recovery_cancel_token_generator, recovery_start_token_generator
from .two_factor import PENDING_SESSION_KEY, two_factor_login_pending_user


def _hours():
    return {"wait_hours": conf.RECOVERY_WAIT_SECONDS // 3600, "link_hours": conf.RECOVERY_LINK_SECONDS // 3600}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def recovery_request(request):
    """At the code step, "I can't use any of my methods": explain the recovery, and email its link on POST.

    The answer to the POST is the same page whether or not a link was sent (rate limits, a
    recovery already waiting), and the half-finished sign-in ends there.
    """
    user = two_factor_login_pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in with your password first."))
        return redirect("accounts:login")
    if request.method == "POST":
        account_recovery_request(request=request, user=user)
        request.session.pop(PENDING_SESSION_KEY, None)
        return render(request, "accounts/recovery_sent.html", _hours())
    return render(request, "accounts/recovery_request.html", _hours())


def _link_refused(request):
    """Return the page that says a recovery link does not work (400), and what to do."""
    return render(request, "accounts/recovery_link_refused.html", _hours(), status=400)


@sensitive_variables("token")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def recovery_start(request, recovery_id, token):
    """The emailed link's page: its button starts the waiting period (opening the link changes nothing)."""
    try:
        if request.method != "POST":
            account_recovery_for_link(recovery_id=recovery_id, token=token, generator=recovery_start_token_generator)
            return render(request, "accounts/recovery_start.html", _hours())
        recovery = account_recovery_start(recovery_id=recovery_id, token=token)
    except RecoveryLinkInvalid:
        return _link_refused(request)
    return render(request, "accounts/recovery_started.html", {"recovery": recovery, **_hours()})


@sensitive_variables("token")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def recovery_cancel_link(request, recovery_id, token):
    """The emailed one-click cancel link's page: its button cancels the recovery (opening it changes nothing)."""
    try:
        if request.method != "POST":
            recovery = account_recovery_for_link(
                recovery_id=recovery_id, token=token, generator=recovery_cancel_token_generator
            )
            return render(request, "accounts/recovery_cancel.html", {"recovery": recovery})
        account_recovery_cancel_by_link(recovery_id=recovery_id, token=token)
    except RecoveryLinkInvalid:
        return _link_refused(request)
    return render(request, "accounts/recovery_cancelled.html")


@login_required
@require_POST
def recovery_cancel(request):
    """Cancel the signed-in learner's running recovery (the banner's and the Security tab's button), then go back."""
    cancelled = account_recovery_cancel(actor=request.user, user=request.user)
    if cancelled is not None:
        messages.success(
            request,
            _("The recovery is cancelled: your second factors stay. If you did not start it, change your password."),
        )
    else:
        messages.info(request, _("There is no recovery of your account to cancel."))
    return redirect(safe_next_url(request, reverse("accounts:settings_security")))
