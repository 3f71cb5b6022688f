"""System checks of the rights_requests app."""

from django.conf import settings
from django.core import checks


def check_portal_base_url(app_configs=None, **kwargs):
    """Warn when emails to learners would carry links without a host (``PORTAL_BASE_URL`` unset)."""
    if settings.PORTAL_BASE_URL.startswith(("https://", "http://")):
        return []
    return [
        checks.Warning(
            "PORTAL_BASE_URL is not set: links in emails about data-rights requests would not work.",
            hint="Set the environment variable PORTAL_BASE_URL, e.g. https://portal.example.org.",
            id="rights_requests.W001",
        )
    ]
