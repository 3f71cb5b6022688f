from django.contrib.admin.apps import AdminConfig
from django.core import checks


class PortalAdminConfig(AdminConfig):
    """Django admin with the portal's two-factor admin site as the default site; the plumbing's checks."""

    default_site = "learnerportal.admin.PortalAdminSite"

    def ready(self):
        super().ready()
        from .encryption import check_development_key

        # learnerportal/ is no app of its own: its one AppConfig registers its checks.
        checks.register(check_development_key, checks.Tags.security)
