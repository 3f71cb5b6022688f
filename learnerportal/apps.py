from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Django admin with the portal's two-factor admin site as the default site."""

    default_site = "learnerportal.admin.PortalAdminSite"
