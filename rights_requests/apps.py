from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsRequestsConfig(AppConfig):
    name = "rights_requests"
    verbose_name = _("Data rights")

    def ready(self):
        from django.core import checks

        import rights_requests.handlers  # noqa: F401 - importing it registers the request types' handlers
        from compliance.admin_mixins import staff_work_reference_register
        from compliance.registry import registry

        from . import personal_data
        from .checks import check_portal_base_url
        from .selectors import reference_for_staff_access
        from .tasks import connect_log_receivers

        registry.register_all(personal_data.DECLARATIONS)
        staff_work_reference_register(reference_for_staff_access)
        checks.register(check_portal_base_url, deploy=True)
        connect_log_receivers()
