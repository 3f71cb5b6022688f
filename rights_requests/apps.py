from django.apps import AppConfig


class RightsRequestsConfig(AppConfig):
    name = "rights_requests"
    verbose_name = "Data-rights requests"

    def ready(self):
        from privacy.registry import registry

        from . import personal_data

        registry.register_all(personal_data.DECLARATIONS)
