"""Template tags of the learner's Your data tab: its parts that read the same for every learner, rendered once.

A right's card without a request in use, and a status badge without a standing, depend
only on the request type or status and the language, never on who the learner is: outside
debug mode each is rendered once per process and language (the tab shows six cards and up
to twenty badges, which the template engine took most of the page's time to write).
"""

import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language

from ..models import RightsRequest
from ..request_types import handler_for

register = template.Library()

#: Renderings each process keeps: a card per request type and a badge per status, per language.
KEPT = 256


@register.simple_tag
def right_card(request_type, in_use=None):
    """Return the Your data tab's card of the right ``request_type``, with the learner's request ``in_use`` if any.

    Args:
        request_type: a registered request type.
        in_use: the learner's open request of that type, or their completed one whose
            effect may still be in force (``standing``), or None.

    Returns:
        safe HTML of ``rights_requests/_right_card.html``.
    """
    if in_use is None and not settings.DEBUG:
        return _card(request_type, get_language())
    return _card_rendered(request_type, in_use)


@register.simple_tag
def request_status(rights_request):
    """Return ``rights_request``'s status badge (``rights_requests/_status.html``).

    Args:
        rights_request: a ``RightsRequest`` with ``standing`` set (``standings.with_standings``).
    """
    if rights_request.standing is None and not settings.DEBUG:
        return _badge(rights_request.status, get_language())
    return render_to_string("rights_requests/_status.html", {"rights_request": rights_request})


# ``language`` is the key only: the active one is what the templates read.
@functools.lru_cache(maxsize=KEPT)
def _card(request_type, language):
    return _card_rendered(request_type, None)


@functools.lru_cache(maxsize=KEPT)
def _badge(status, language):
    return render_to_string("rights_requests/_status.html", {"rights_request": RightsRequest(status=status)})


def _card_rendered(request_type, in_use):
    context = {"request_type": request_type, "right": handler_for(request_type), "open_request": in_use}
    return render_to_string("rights_requests/_right_card.html", context)
