"""Views of the accounts app: sign-up/in/out, password, Account and Security tabs."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import FormView

from learnerportal.http import accepts_upload

from . import conf
from .exceptions import InvalidPhoto, SignupEmailTaken, SignupLinkInvalid, SignupUsernameUnavailable
from .forms import PasswordChangeForm, PersonalAccessTokenForm, ProfileForm, SetPasswordForm, SignInForm, SignupForm
from .models import Profile
from .reauthentication import recent_authentication_required
from .recovery import account_recovery_sign_in
from .selectors import (
    access_own_token,
    active_sessions_of,
    personal_access_tokens_of,
    signup_confirmation_for,
    two_factor_enabled,
)
from .services import (
    password_changed,
    password_reset_completed,
    personal_access_token_create,
    personal_access_token_revoke,
    personal_access_tokens_prune,
    profile_changes_validate,
    profile_update,
    signup_confirm,
    signup_request,
    user_sessions_end_others,
    user_sessions_prune,
)
from .two_factor import two_factor_login_begin, two_factor_login_pending_user


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class SignupView(FormView):
    """Take a sign-up and send to "check your email", whether or not the address has an account.

    The answer is the same redirect for a new and a taken address (``signup_request``
    emails a link, or tells the address's owner), so the form does not reveal which
    addresses are registered; a taken username is still reported beside its field.
    """

    template_name = "accounts/signup.html"
    form_class = SignupForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        signup_request(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        return redirect("accounts:signup_sent")


def signup_sent(request):
    """Say that a link to finish signing up is on its way (the same page for every address)."""
    return render(request, "accounts/signup_sent.html", {"hours": conf.SIGNUP_CONFIRMATION_SECONDS // 3600})


@never_cache
@require_GET
def signup_confirm_page(request, token):
    """Show the page of a sign-up's emailed link: its button makes the account and signs in.

    Opening the link changes nothing (mail scanners open links). The button posts the
    token to ``signup_finish``, whose address holds no token, so that signing in does
    not write it to any log. An unknown, used or expired link answers 400 with a page
    that says what to do.
    """
    pending = signup_confirmation_for(token)
    if pending is None:
        return _signup_refused(request, SignupLinkInvalid("This link is not valid."))
    return render(request, "accounts/signup_confirm.html", {"username": pending.username, "token": token})


@sensitive_post_parameters("token")
@never_cache
@require_POST
def signup_finish(request):
    """Make the account of a sign-up link's token (posted by its page), sign in, and open the Privacy tab."""
    try:
        user = signup_confirm(token=request.POST.get("token", ""), language=translation.get_language())
    except (SignupLinkInvalid, SignupEmailTaken, SignupUsernameUnavailable) as error:
        return _signup_refused(request, error)
    login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
    messages.success(request, _("Welcome! Your profile is private until you choose otherwise on this Privacy tab."))
    return redirect("privacy:settings")


def _signup_refused(request, error):
    """Return the page that says why a sign-up link made no account, and what to do (400)."""
    context = {"code": error.code, "hours": conf.SIGNUP_CONFIRMATION_SECONDS // 3600}
    return render(request, "accounts/signup_confirm_refused.html", context, status=400)


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class SignInView(auth_views.LoginView):
    """Sign in with a username or email address and a password, then a code when 2FA is on."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def landing_url(self, user):
        """Return where ``user`` goes when no page was asked for: staff who work requests to the queue."""
        if user.is_staff and user.has_perm(conf.STAFF_LANDING_PERMISSION):
            return reverse(conf.STAFF_LANDING)
        return super().get_default_redirect_url()

    def get(self, request, *args, **kwargs):
        """Send a session that already passed the password, and waits for its code, on to the code step."""
        if not request.user.is_authenticated and two_factor_login_pending_user(request) is not None:
            return redirect(f"{reverse('accounts:two_factor_login')}?{urlencode({'next': self.get_success_url()})}")
        return super().get(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return self.landing_url(self.request.user)

    def form_valid(self, form):
        user = form.get_user()
        # A recovery whose waiting period is over completes first: the second factors it removes are not asked for.
        set_up_again = account_recovery_sign_in(user=user)
        if two_factor_enabled(user):
            # SECURITY: not signed in yet; the session only remembers who passed the password step.
            two_factor_login_begin(self.request, user)
            next_url = self.get_redirect_url() or self.landing_url(user)
            return redirect(f"{reverse('accounts:two_factor_login')}?{urlencode({'next': next_url})}")
        response = super().form_valid(form)
        if set_up_again:
            messages.warning(
                self.request,
                _(
                    "Your account was recovered: its second factors were removed. Set up two-factor "
                    "authentication again now, so that your password alone is not enough to sign in."
                ),
            )
            return redirect("privacy:two_factor_setup")
        return response


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires), and say so on the page that follows."""

    def post(self, request, *args, **kwargs):
        # A session between the password and the code step was never signed in: its sign-in is cancelled.
        halfway = not request.user.is_authenticated and two_factor_login_pending_user(request) is not None
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("Signing in was cancelled.") if halfway else _("You are signed out."))
        return response


def settings_index(request):
    """Send /settings/ to its first tab."""
    return redirect("accounts:settings_account")


@login_required
@accepts_upload(lambda: conf.PHOTO_MAX_BYTES)
def account_settings(request):
    """Account tab: edit the profile and photo; errors are shown beside their fields."""
    profile = Profile.objects.get(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, profile=profile)
        try:
            if form.is_valid():
                profile_update(
                    actor=request.user,
                    user=request.user,
                    data=form.profile_data(),
                    photo=form.cleaned_data["photo"],
                    remove_photo=form.cleaned_data["remove_photo"],
                )
                # In the language the next page is in: the one just chosen, else the browser's as now.
                with translation.override(form.cleaned_data.get("language") or translation.get_language()):
                    messages.success(request, _("Your profile is saved."))
                return redirect("accounts:settings_account")
            # Some values could not be read: the service judges the others, so every refusal shows at once.
            profile_changes_validate(
                user=request.user, changes=form.profile_data(), photo=form.cleaned_data.get("photo")
            )
        except ValidationError as error:
            form.add_error(None, error)
        except InvalidPhoto as error:  # the header was fine, the image data is not
            form.add_error("photo", ValidationError(error.detail, code=error.code))
        messages.error(request, _("Nothing was saved: please correct the fields marked below."))
    else:
        form = ProfileForm(profile=profile)
    return render(request, "settings/account.html", {"form": form, "profile": profile, "tab": "account"})


@method_decorator(login_required, name="dispatch")
class SecuritySettingsView(auth_views.PasswordChangeView):
    """Security tab: change the password (other sessions are signed out by Django); list the sessions."""

    template_name = "settings/security.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:settings_security")
    extra_context = {"tab": "security"}

    def get(self, request, *args, **kwargs):
        user_sessions_prune(user=request.user)
        personal_access_tokens_prune(user=request.user)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sessions"] = active_sessions_of(
            self.request.user, current_session_key=self.request.session.session_key
        )
        context["api_tokens"] = personal_access_tokens_of(self.request.user)
        context["two_factor_on"] = two_factor_enabled(self.request.user)
        return context

    def form_invalid(self, form):
        messages.error(self.request, _("Your password was not changed: please correct the fields marked below."))
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        revoked = password_changed(user=self.request.user)
        if revoked:
            text = ngettext(
                "Your password is changed. Other devices have been signed out and your API token revoked.",
                "Your password is changed. Other devices have been signed out and your %(count)s API tokens revoked.",
                revoked,
            ) % {"count": revoked}
        else:
            text = _("Your password is changed. Other devices have been signed out.")
        messages.success(self.request, text)
        return response


@login_required
@require_POST
def sessions_end_others(request):
    """Sign out of every other session of the learner (POST), keeping this one."""
    ended = user_sessions_end_others(
        actor=request.user, user=request.user, current_session_key=request.session.session_key
    )
    if ended:
        text = ngettext("Signed out of %(count)s other session.", "Signed out of %(count)s other sessions.", ended)
        messages.success(request, text % {"count": ended})
    else:
        messages.success(request, _("You were not signed in anywhere else."))
    return redirect("accounts:settings_security")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from an emailed link; the learner then signs in themself."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_reset_completed(user=form.user)
        return response


@never_cache
@login_required
@recent_authentication_required  # SECURITY: a token outlives the session; a stolen session must not mint one
@require_http_methods(["GET", "HEAD", "POST"])
def api_token_new(request):
    """Make a personal access token for the API, and show it once."""
    if two_factor_enabled(request.user) and not request.user.is_verified():
        return redirect("accounts:settings_security")  # only a session that passed the code step
    form = PersonalAccessTokenForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                token, raw_token = personal_access_token_create(
                    actor=request.user,
                    user=request.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    lifetime_days=form.cleaned_data["lifetime_days"],
                )
            except ValidationError as error:
                for field, messages_ in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages_)
            else:
                response = render(
                    request,
                    "settings/api_token_created.html",
                    {
                        "tab": "security",
                        "token": token,
                        "raw_token": raw_token,
                        "api_base": request.build_absolute_uri("/api/v1/"),
                    },
                )
                response["Cache-Control"] = "no-store"  # the token must not stay in any cache
                return response
        messages.error(request, _("No token was made: please correct the fields marked below."))
    return render(request, "settings/api_token_new.html", {"tab": "security", "form": form})


@login_required
@require_POST
def api_token_revoke(request, token_id):
    """Revoke one of the learner's API tokens (POST); it stops working at once."""
    token = access_own_token(user=request.user, token_id=token_id)  # SECURITY: 404 for others' tokens
    personal_access_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect(reverse("accounts:settings_security") + "#api-tokens")
