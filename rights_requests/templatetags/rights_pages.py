"""Template tags of the learner's Your data tab: its cards, its rows and their status badges.

A right's card without a request in use, and a status badge without a standing, depend
only on the request type or status and the language, never on who the learner is: outside
debug mode each is rendered once per process and language. The rows of the requests are
written here rather than through the template engine, which took most of the page's time
for twenty of them (their tags and variables, not what they show).
"""

import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

from learnerportal.calendar_dates import calendar_date

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


@register.simple_tag
def request_row(rights_request, right):
    """Return the Your data tab's table row of ``rights_request``: reference, right, status, received, answer due.

    Args:
        rights_request: a ``RightsRequest`` with ``standing`` set (``standings.with_standings``).
        right: its handler (the right's title).

    Returns:
        safe HTML: one ``<tr>``, each cell labelled (``data-label``) for phones, which show rows as cards.
    """
    return format_html(
        '<tr role="row">\n'
        '  <th scope="row" role="rowheader" data-label="Reference"><a class="reference" href="{}">{}</a></th>\n'
        '  <td role="cell" data-label="Request"><span>{}</span></td>\n'
        '  <td role="cell" data-label="Status"><span>{}</span></td>\n'
        '  <td role="cell" data-label="Received"><span>{}</span></td>\n'
        '  <td role="cell" data-label="Answer due by"><span>{}</span></td>\n'
        "</tr>",
        reverse("rights_requests:detail", args=[rights_request.pk]),
        rights_request.reference,
        right.title,
        request_status(rights_request),
        _day(rights_request.received_at),
        _answer(rights_request),
    )


def _answer(rights_request):
    """Return when the request is due (open), when it was answered, or that it is closed."""
    if rights_request.is_open:
        extended = (
            format_html(' <span class="muted">{}</span>', gettext("(extended)")) if rights_request.extended_at else ""
        )
        return format_html("{}{}", _day(rights_request.due_at), extended)
    if rights_request.completed_at:
        return format_html('<span class="muted">{} {}</span>', gettext("Answered"), _day(rights_request.completed_at))
    return format_html('<span class="muted">{}</span>', gettext("Closed"))


def _day(moment):
    """Return ``<time>`` of ``moment``: its day in the active time zone, the exact time in ``datetime``."""
    local = timezone.localtime(moment)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), calendar_date(local, "j M Y"))


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
