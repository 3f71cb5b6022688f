from django.apps import AppConfig


class RightsRequestsConfig(AppConfig):
    name = "rights_requests"
    verbose_name = "Data-rights requests"
