from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and learning records")

    def ready(self):
        from axes.models import AccessAttempt
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_delete, post_save, pre_save

        from compliance.models import AuditEvent
        from compliance.registry import registry
        from compliance.selectors import audit_description_register

        from . import personal_data, signals
        from .audit_words import account_change_description, profile_update_description
        from .checks import check_recovery_wait
        from .models import Enrollment, Profile, User
        from .selectors import account_recovery_event_description

        checks.register(check_recovery_wait, checks.Tags.security)
        registry.register_all(personal_data.DECLARATIONS)
        registry.register_shared_text(personal_data.SHARED_TEXT)
        for action in (
            AuditEvent.Action.RECOVERY_REQUESTED,
            AuditEvent.Action.RECOVERY_STARTED,
            AuditEvent.Action.RECOVERY_CANCELLED,
            AuditEvent.Action.RECOVERY_COMPLETED,
        ):
            audit_description_register(action, account_recovery_event_description)
        audit_description_register(AuditEvent.Action.ACCOUNT_CHANGED, account_change_description)
        audit_description_register(AuditEvent.Action.PROFILE_UPDATED, profile_update_description)
        user_logged_in.connect(signals.session_started, dispatch_uid="accounts.session_started")
        user_logged_in.connect(signals.mark_authenticated_on_login, dispatch_uid="privacy_mark_authenticated")
        user_login_failed.connect(signals.login_failed, dispatch_uid="accounts.login_failed")
        user_logged_out.connect(signals.signed_out, dispatch_uid="accounts.signed_out")
        user_locked_out.connect(signals.login_locked_out, dispatch_uid="accounts.login_locked_out")
        pre_save.connect(
            signals.failed_sign_in_minimise, sender=AccessAttempt, dispatch_uid="accounts.failed_sign_in_minimise"
        )
        for model in (Profile, Enrollment):
            for signal in (post_save, post_delete):
                signal.connect(
                    signals.public_profile_row_changed,
                    sender=model,
                    dispatch_uid=f"accounts.public_profile_row_changed.{signal is post_save}.{model.__name__}",
                )
        for signal in (post_save, post_delete):
            signal.connect(
                signals.public_profile_account_changed,
                sender=User,
                dispatch_uid=f"accounts.public_profile_account_changed.{signal is post_save}",
            )
