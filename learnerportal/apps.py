from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.core import checks


class PortalAdminConfig(AdminConfig):
    """Django admin with the portal's two-factor admin site as the default site."""

    default_site = "learnerportal.admin.PortalAdminSite"


class LearnerPortalConfig(AppConfig):
    """The project package: the plumbing's checks, and the shell's commands (demo data)."""

    name = "learnerportal"
    verbose_name = "Learner Portal"

    def ready(self):
        from .encryption import check_development_key

        checks.register(check_development_key, checks.Tags.security)
