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
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, pgettext

from compliance.regimes import regime
from learnerportal.calendar_dates import calendar_date

from ..agent_filings import asked_for_you_words, takeover_offered
from ..models import RightsRequest
from ..request_types import handler_for

register = template.Library()

#: Renderings each process keeps: a card per request type and a badge per status, per language.
KEPT = 256


@register.simple_tag
def right_card(request_type, regime_key, in_use=None):
    """Return the Your data tab's card of the right ``request_type``, with the learner's request ``in_use`` if any.

    Args:
        request_type: a registered request type the regime gives a right to.
        regime_key: the learner's regime (``compliance.regimes.RegimeKey``): the card names the
            right as that law does, with its citation.
        in_use: the learner's open request of that type, or their completed one whose
            effect may still be in force (``standing``), or None.

    Returns:
        safe HTML of ``rights_requests/_right_card.html``.
    """
    if in_use is None and not settings.DEBUG:
        return _card(request_type, regime_key, get_language())
    return _card_rendered(request_type, regime_key, in_use)


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
def request_rows(rows):
    """Return the Your data tab's table rows: reference, right, status, received, answer due.

    Args:
        rows: ``[(RightsRequest, handler)]``, each request with ``standing`` set
            (``standings.with_standings``), its handler naming the right.

    Returns:
        safe HTML: a ``<tr>`` each, each cell labelled (``data-label``) for phones, which show rows as cards.
    """
    detail_url = _detail_url(get_language(), get_script_prefix())
    labels = (gettext("Reference"), pgettext("noun", "Request"), gettext("Status"), gettext("Received"))
    labels += (gettext("Answer due by"),)
    return format_html_join(
        "\n",
        '<tr role="row">\n'
        '  <th scope="row" role="rowheader" data-label="{}"><a class="reference" href="{}">{}</a></th>\n'
        '  <td role="cell" data-label="{}"><span>{}</span></td>\n'
        '  <td role="cell" data-label="{}"><span>{}</span></td>\n'
        '  <td role="cell" data-label="{}"><span><time datetime="{}">{}</time></span></td>\n'
        '  <td role="cell" data-label="{}"><span>{}</span></td>\n'
        "</tr>",
        (_cells(request, right, detail_url, labels) for request, right in rows),
    )


def _cells(request, right, detail_url, labels):
    """Return what ``request_rows`` writes in a request's row, in its order (``detail_url``: with ``_STAND_IN``)."""
    received = timezone.localtime(request.received_at)
    reference, title, status, received_label, due = labels
    return (
        reference,
        detail_url.replace(_STAND_IN, str(request.pk)),
        request.reference,
        title,
        right.title,
        status,
        request_status(request),
        received_label,
        received.isoformat(),
        calendar_date(received, gettext("j M Y")),
        due,
        _answer(request),
    )


def _answer(rights_request):
    """Return when the request is due (open), when it was answered, or that it is closed."""
    if rights_request.is_open:
        due = timezone.localtime(rights_request.due_at)
        extended = (
            format_html(' <span class="muted">({})</span>', pgettext("deadline", "extended"))
            if rights_request.extended_at
            else ""
        )
        return format_html(
            '<time datetime="{}">{}</time>{}', due.isoformat(), calendar_date(due, gettext("j M Y")), extended
        )
    if rights_request.completed_at:
        completed = timezone.localtime(rights_request.completed_at)
        answered = gettext('Answered <time datetime="%(answered_iso)s">%(answered)s</time>') % {
            "answered_iso": escape(completed.isoformat()),
            "answered": escape(calendar_date(completed, gettext("j M Y"))),
        }
        return format_html('<span class="muted">{}</span>', mark_safe(answered))  # noqa: S308 — its values escaped
    return format_html('<span class="muted">{}</span>', pgettext("request", "Closed"))


#: The request id the detail page's URL is reversed with once; each row's id replaces it.
_STAND_IN = "00000000-0000-4000-8000-000000000000"


# ``language`` and ``prefix`` are keys only: the active ones are what reversing reads.
@functools.lru_cache(maxsize=KEPT)
def _detail_url(language, prefix):
    """Return the URL of a request's page with ``_STAND_IN`` as its id (reversing cost each row as much as the rest)."""
    return reverse("rights_requests:detail", args=[_STAND_IN])


# ``language`` is the key only: the active one is what the templates read.
@functools.lru_cache(maxsize=KEPT)
def _card(request_type, regime_key, language):
    return _card_rendered(request_type, regime_key, None)


@functools.lru_cache(maxsize=KEPT)
def _badge(status, language):
    return render_to_string("rights_requests/_status.html", {"rights_request": RightsRequest(status=status)})


def _card_rendered(request_type, regime_key, in_use):
    context = {
        "request_type": request_type,
        "right": handler_for(request_type),
        "legal": regime(regime_key).right(request_type),
        "open_request": in_use,
        "asked_for_you": asked_for_you_words(in_use),
        "takeover": takeover_offered(in_use),
    }
    return render_to_string("rights_requests/_right_card.html", context)
