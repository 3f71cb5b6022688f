from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    """The compliance base: the personal-data registry, the notice, erasure and the audit log.

    It imports no feature app; the feature apps declare their models to its registry.
    """

    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self):
        from . import personal_data
        from .checks import check_personal_data_registry
        from .registry import registry

        registry.register_all(personal_data.DECLARATIONS)
        registry.register_shared_text(personal_data.SHARED_TEXT)
        checks.register(check_personal_data_registry, checks.Tags.models)
