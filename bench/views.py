"""The floor view: the least any page of the portal does."""

from django.http import HttpResponse
from django.template import engines
from django.views.decorators.http import require_safe

FLOOR_TEMPLATE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Floor{% endblock %}'
    "{% block content %}<h1>Floor</h1><p>The base template for {{ user.username|default:'a visitor' }}.</p>"
    "{% endblock %}"
)


@require_safe
def floor(request):
    """Render the base template for the session user (or a visitor) and nothing else.

    Passes through the same middleware as every page (session, user, 2FA, policy
    check, CSP); its own work is the base template's, e.g. the avatar's profile
    query for a signed-in user. Every page benchmark is a ratio against it.
    """
    return HttpResponse(FLOOR_TEMPLATE.render({}, request))
