"""Charts drawn on the server as SVG: no script and nothing fetched from elsewhere, so the admin's CSP holds."""

import math

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

#: The drawing's size in SVG units (it scales to the page's width), and the plot's margins.
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 36, 36
#: The two series: received, closed. Each colour has at least 3:1 contrast on white (WCAG 1.4.11).
SERIES = (
    ("received", pgettext_lazy("requests", "Received"), "#1f5f99"),
    ("closed", pgettext_lazy("requests", "Closed"), "#2e7d32"),
)
#: Above this many weeks, every fourth week is labelled.
LABEL_EVERY_WEEK_UP_TO = 13


def _coordinate(value):
    """Return an SVG coordinate as text with one decimal ("12.5")."""
    return f"{value:.1f}"


def axis_maximum(value):
    """Return the smallest "round" number (1, 2 or 5 × 10ⁿ, times 1–4 ticks) at or above ``value``.

    Returns:
        ``(maximum, step)``: the axis's top and its tick step; ``(4, 1)`` for 0 to 4.
    """
    if value <= 4:
        return 4, 1
    magnitude = 10 ** math.floor(math.log10(value / 4))
    for factor in (1, 2, 5, 10):
        step = factor * magnitude
        if step * 4 >= value:
            return step * 4, step
    raise AssertionError("unreachable: 10 × magnitude × 4 ≥ value")


def weekly_chart(weeks, *, title_id):
    """Return an SVG bar chart of requests received and closed per week (safe HTML).

    Args:
        weeks: ``rights_requests.statistics.WeekFigures``, oldest first.
        title_id: the ``id`` of the chart's title, unique on the page (``aria-labelledby``).

    The same figures are in a table beside it, which is what a screen reader reads; the chart's
    title and description say what it shows.
    """
    top, step = axis_maximum(max([week.received for week in weeks] + [week.closed for week in weeks] + [0]))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / len(weeks)
    bar = min(slot * 0.38, 28)

    def y(count):
        return TOP + plot_height * (1 - count / top)

    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d0d0d0" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#444">{}</text>',
        (
            (LEFT, WIDTH - RIGHT, _coordinate(y(tick)), _coordinate(y(tick)), LEFT - 6, _coordinate(y(tick) + 4), tick)
            for tick in range(0, top + 1, step)
        ),
    )
    bars, labels = [], []
    for index, week in enumerate(weeks):
        centre = LEFT + slot * (index + 0.5)
        for offset, (name, label, colour) in zip((-1, 0), SERIES, strict=True):
            count = getattr(week, name)
            bars.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} {}</title></rect>',
                    _coordinate(centre + offset * bar),
                    _coordinate(y(count)),
                    _coordinate(bar),
                    _coordinate(TOP + plot_height - y(count)),
                    colour,
                    date_format(week.start, _("j M")),
                    count,
                    label.lower(),
                )
            )
        if len(weeks) <= LABEL_EVERY_WEEK_UP_TO or index % 4 == len(weeks) % 4:
            labels.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#444">{}</text>',
                    _coordinate(centre),
                    HEIGHT - BOTTOM + 16,
                    date_format(week.start, _("j M")),
                )
            )
    legend = format_html_join(
        "",
        '<rect x="{}" y="10" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="20" font-size="12" fill="#222">{}</text>',
        (
            (LEFT + 110 * index, colour, LEFT + 110 * index + 18, label)
            for index, (_name, label, colour) in enumerate(SERIES)
        ),
    )
    return format_html(
        '<svg class="rr-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{} {}-desc" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}">{}</title><desc id="{}-desc">{}</desc>'
        "{}{}{}{}"
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#444" stroke-width="1"/>'
        "</svg>",
        WIDTH,
        HEIGHT,
        title_id,
        title_id,
        title_id,
        _("Requests received and closed per week"),
        title_id,
        _("Weeks starting %(first)s to %(last)s; the table below gives the same figures.")
        % {"first": date_format(weeks[0].start, _("j M Y")), "last": date_format(weeks[-1].start, _("j M Y"))},
        legend,
        grid,
        format_html_join("", "{}", ((item,) for item in bars)),
        format_html_join("", "{}", ((item,) for item in labels)),
        LEFT,
        WIDTH - RIGHT,
        TOP + plot_height,
        TOP + plot_height,
    )
