from django.apps import AppConfig
from django.core import checks


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import personal_data
        from .checks import check_personal_data_registry
        from .registry import registry
        from .signals import mark_authenticated_on_login

        registry.register_all(personal_data.DECLARATIONS)
        checks.register(check_personal_data_registry, checks.Tags.models)
        user_logged_in.connect(mark_authenticated_on_login, dispatch_uid="privacy_mark_authenticated")
