from django.apps import AppConfig
from django.core import checks


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy"

    def ready(self):
        from . import personal_data
        from .checks import check_personal_data_registry
        from .registry import registry

        registry.register_all(personal_data.DECLARATIONS)
        checks.register(check_personal_data_registry, checks.Tags.models)
