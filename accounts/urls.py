from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import forms, passkey_views, recovery_views, two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", views.SignupView.as_view(), name="signup"),
    path("accounts/signup/sent/", views.signup_sent, name="signup_sent"),
    path("accounts/signup/confirm/<str:token>/", views.signup_confirm_page, name="signup_confirm"),
    path("accounts/signup/finish/", views.signup_finish, name="signup_finish"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/login/code/", two_factor_views.two_factor_login, name="two_factor_login"),
    path("accounts/login/code/recovery/", recovery_views.recovery_request, name="recovery_request"),
    path(
        "accounts/recovery/<int:recovery_id>/start/<str:token>/", recovery_views.recovery_start, name="recovery_start"
    ),
    path(
        "accounts/recovery/<int:recovery_id>/cancel/<str:token>/",
        recovery_views.recovery_cancel_link,
        name="recovery_cancel_link",
    ),
    path("settings/security/recovery/cancel/", recovery_views.recovery_cancel, name="recovery_cancel"),
    path("accounts/passkeys/sign-in/begin/", passkey_views.passkey_sign_in_begin_view, name="passkey_sign_in_begin"),
    path(
        "accounts/passkeys/sign-in/complete/",
        passkey_views.passkey_sign_in_complete_view,
        name="passkey_sign_in_complete",
    ),
    path(
        "accounts/passkeys/add/begin/", passkey_views.passkey_registration_begin_view, name="passkey_registration_begin"
    ),
    path(
        "accounts/passkeys/add/complete/",
        passkey_views.passkey_registration_complete_view,
        name="passkey_registration_complete",
    ),
    # The passkey scripts' messages in the portal's words, in the page's language.
    path("accounts/passkeys/messages.js", passkey_views.PasskeyScriptMessages.as_view(), name="passkey_messages"),
    path("accounts/confirm-password/", two_factor_views.confirm_password, name="confirm_password"),
    path(
        "settings/privacy/two-factor/staff-enrol/<uidb64>/<token>/",
        two_factor_views.two_factor_staff_enrol,
        name="two_factor_staff_enrol",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            form_class=forms.PasswordResetForm,
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("settings/", views.settings_index, name="settings"),
    path("settings/account/", views.account_settings, name="settings_account"),
    path("settings/security/", views.SecuritySettingsView.as_view(), name="settings_security"),
    path("settings/security/sessions/sign-out-others/", views.sessions_end_others, name="settings_sessions_end_others"),
    path("settings/security/tokens/new/", views.api_token_new, name="api_token_new"),
    path("settings/security/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
