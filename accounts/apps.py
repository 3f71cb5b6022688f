from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and learning records"

    def ready(self):
        from privacy.registry import registry

        from . import personal_data

        registry.register_all(personal_data.DECLARATIONS)
