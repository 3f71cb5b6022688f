"""Views of the accounts app: home, sign-up/in/out, password, Account and Security tabs."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from privacy.selectors import may_process, privacy_checkup_due, two_factor_enabled
from privacy.services import two_factor_login_begin

from .forms import PasswordChangeForm, ProfileForm, SetPasswordForm, SignInForm, SignupForm
from .models import Profile
from .selectors import active_sessions_of, enrollments_of, recommended_courses
from .services import (
    password_changed,
    password_reset_completed,
    profile_update,
    user_create,
    user_sessions_end_others,
    user_sessions_prune,
)


def home(request):
    """Show the learner's courses and, with their consent, recommendations; or explain the portal to a visitor."""
    if not request.user.is_authenticated:
        return render(request, "accounts/landing.html")
    personalization = may_process(request.user, "personalization")
    return render(
        request,
        "accounts/home.html",
        {
            "enrollments": enrollments_of(request.user),
            "personalization": personalization,
            "recommendations": recommended_courses(request.user) if personalization else [],
            "checkup_due": privacy_checkup_due(request),
        },
    )


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class SignupView(FormView):
    """Create an account, sign in, and send the learner to their privacy settings."""

    template_name = "accounts/signup.html"
    form_class = SignupForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(self.request, user, backend="accounts.backends.UsernameOrEmailBackend")
        messages.success(
            self.request, "Welcome! Your profile is private until you choose otherwise on this Privacy tab."
        )
        return redirect("privacy:settings")


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class SignInView(auth_views.LoginView):
    """Sign in with a username or email address and a password, then a code when 2FA is on."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor_enabled(user):
            # SECURITY: not signed in yet; the session only remembers who passed the password step.
            two_factor_login_begin(self.request, user)
            return redirect(f"{reverse('privacy:two_factor_login')}?{urlencode({'next': self.get_success_url()})}")
        return super().form_valid(form)


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires)."""


def settings_index(request):
    """Send /settings/ to its first tab."""
    return redirect("accounts:settings_account")


@login_required
def account_settings(request):
    """Account tab: edit the profile and photo; errors are shown beside their fields."""
    profile = Profile.objects.get(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=profile)
        if form.is_valid():
            profile_update(
                actor=request.user,
                user=request.user,
                data=form.profile_data(),
                photo=form.cleaned_data["photo"],
                remove_photo=form.cleaned_data["remove_photo"],
            )
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:settings_account")
        messages.error(request, "Nothing was saved: please correct the fields marked below.")
    else:
        form = ProfileForm(instance=profile)
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
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sessions"] = active_sessions_of(
            self.request.user, current_session_key=self.request.session.session_key
        )
        return context

    def form_invalid(self, form):
        messages.error(self.request, "Your password was not changed: please correct the fields marked below.")
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(user=self.request.user)
        messages.success(self.request, "Your password is changed. Other devices have been signed out.")
        return response


@login_required
@require_POST
def sessions_end_others(request):
    """Sign out of every other session of the learner (POST), keeping this one."""
    ended = user_sessions_end_others(
        actor=request.user, user=request.user, current_session_key=request.session.session_key
    )
    if ended:
        messages.success(request, f"Signed out of {ended} other session{'' if ended == 1 else 's'}.")
    else:
        messages.success(request, "You were not signed in anywhere else.")
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
