"""``{% global_privacy_control_script %}``: the script that hears a signal only page scripts can read."""

from django import template
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from ..global_privacy_control import signal_awaited

register = template.Library()


@register.simple_tag(takes_context=True)
def global_privacy_control_script(context):
    """Return the ``<script>`` posting ``navigator.globalPrivacyControl`` once per session, or "".

    Written only while the signal would still be recorded (``signal_awaited``), so a session
    that recorded it, a visitor or staff costs nothing. On the Privacy tab the page reloads
    when something was turned off, so its consents show it.
    """
    request = context.get("request")
    if request is None or not signal_awaited(request):
        return ""
    on_privacy_tab = getattr(request.resolver_match, "view_name", "") == "privacy:settings"
    return format_html(
        '<script src="{}" data-url="{}" data-csrf="{}" data-reload="{}" defer></script>',
        static("js/gpc.js"),
        reverse("privacy:global_privacy_control"),
        get_token(request),
        "true" if on_privacy_tab else "false",
    )
