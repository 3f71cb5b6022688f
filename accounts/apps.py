from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and learning records"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from privacy.registry import registry

        from . import personal_data, signals

        registry.register_all(personal_data.DECLARATIONS)
        user_logged_in.connect(signals.session_started, dispatch_uid="accounts.session_started")
        user_locked_out.connect(signals.login_locked_out, dispatch_uid="accounts.login_locked_out")
