from django.urls import path, register_converter

from . import passkey_views, two_factor_views, unsubscribe_views, views


class UsernameConverter:
    """Match only characters usernames can have, so odd input (NUL, slashes, unicode) is a plain 404."""

    regex = r"[A-Za-z0-9_.-]{1,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UsernameConverter, "username")

app_name = "privacy"

urlpatterns = [
    path("settings/privacy/", views.privacy_settings, name="settings"),
    path("privacy/notice/", views.privacy_notice_page, name="notice"),
    path("privacy/unsubscribe/<str:token>/", unsubscribe_views.unsubscribe, name="unsubscribe"),
    path("settings/security/activity/", views.account_activity, name="account_activity"),
    path("settings/privacy/consents/", views.consent_change, name="consent_change"),
    path("settings/privacy/consents/history/", views.consent_history_page, name="consent_history"),
    path("privacy/policy/confirm/", views.policy_confirm_page, name="policy_confirm"),
    path(
        "settings/privacy/global-privacy-control/",
        views.global_privacy_control_signal,
        name="global_privacy_control",
    ),
    path("settings/privacy/checkup/dismiss/", views.checkup_dismiss, name="checkup_dismiss"),
    path("settings/privacy/two-factor/setup/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path(
        "settings/privacy/two-factor/backup-codes/",
        two_factor_views.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path("settings/privacy/two-factor/disable/", two_factor_views.two_factor_disable_view, name="two_factor_disable"),
    path("settings/privacy/two-factor/passkeys/add/", passkey_views.passkey_add, name="passkey_add"),
    path(
        "settings/privacy/two-factor/passkeys/<int:passkey_id>/name/",
        passkey_views.passkey_rename_view,
        name="passkey_rename",
    ),
    path(
        "settings/privacy/two-factor/passkeys/<int:passkey_id>/remove/",
        passkey_views.passkey_remove_view,
        name="passkey_remove",
    ),
    path("learners/<username:username>/", views.learner_profile, name="profile"),
    path("learners/<username:username>/photo/", views.learner_photo, name="photo"),
]
