from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from compliance.models import AuditEvent
        from compliance.registry import registry
        from compliance.selectors import audit_description_register

        from . import personal_data, signals
        from .models import ProfileVisibility
        from .selectors import visibility_change_description

        registry.register_all(personal_data.DECLARATIONS)
        registry.register_shared_text(personal_data.SHARED_TEXT)
        audit_description_register(AuditEvent.Action.VISIBILITY_CHANGED, visibility_change_description)
        for signal in (post_save, post_delete):
            signal.connect(
                signals.public_profile_visibility_changed,
                sender=ProfileVisibility,
                dispatch_uid=f"privacy.public_profile_visibility_changed.{signal is post_save}",
            )
