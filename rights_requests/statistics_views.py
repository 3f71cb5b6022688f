"""The privacy officer's statistics page in admin, and its CSV files (``rights_requests.statistics``)."""

import io

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learnerportal.spreadsheets import write_csv

from .charts import weekly_chart
from .permissions import VIEW_STATISTICS
from .statistics import PERIOD_WEEKS, request_statistics

DEFAULT_WEEKS = 12
#: The CSV files the page offers: name → (columns, rows of a ``RequestStatistics``).
EXPORTS = {
    "weeks": (
        ["week_starting", "received", "closed"],
        lambda statistics: (
            {"week_starting": week.start.isoformat(), "received": week.received, "closed": week.closed}
            for week in statistics.weeks
        ),
    ),
    "types": (
        [
            "request_type",
            "sources",
            "received",
            "answered",
            "answered_on_time",
            "on_time_percent",
            "median_days_to_answer",
            "withdrawn",
            "open_now",
            "overdue_now",
        ],
        lambda statistics: (
            {
                "request_type": figures.label,
                "sources": "; ".join(figures.sources),
                "received": figures.received,
                "answered": figures.answered,
                "answered_on_time": figures.on_time,
                "on_time_percent": "" if figures.on_time_rate is None else round(100 * figures.on_time_rate, 1),
                "median_days_to_answer": "" if figures.median_days is None else figures.median_days,
                "withdrawn": figures.withdrawn,
                "open_now": figures.open,
                "overdue_now": figures.overdue,
            }
            for figures in [*statistics.types, statistics.total]
        ),
    ),
    "regimes": (
        ["regime", "received", "answered", "answered_on_time", "on_time_percent", "overdue_now"],
        lambda statistics: (
            {
                "regime": figures.type,
                "received": figures.received,
                "answered": figures.answered,
                "answered_on_time": figures.on_time,
                "on_time_percent": "" if figures.on_time_rate is None else round(100 * figures.on_time_rate, 1),
                "overdue_now": figures.overdue,
            }
            for figures in statistics.regimes
        ),
    ),
}


class StatisticsPeriodForm(forms.Form):
    """The period of the statistics page: the last 4, 12, 26 or 52 weeks."""

    weeks = forms.TypedChoiceField(
        label=gettext_lazy("Period"),
        choices=[(weeks, format_lazy(gettext_lazy("Last {weeks} weeks"), weeks=weeks)) for weeks in PERIOD_WEEKS],
        coerce=int,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the periods listed.")},
    )


def request_statistics_page(request, admin_site):
    """Show the figures of the period chosen, or send one of them as CSV (``?export=weeks|types``).

    Raises:
        PermissionDenied: the staff member lacks ``rights_requests.view_request_statistics``
            (the Privacy officer group has it).
    """
    if not request.user.has_perm(VIEW_STATISTICS):
        raise PermissionDenied(_("Only the privacy officer may see the request statistics."))
    form = StatisticsPeriodForm(request.GET if "weeks" in request.GET else {"weeks": DEFAULT_WEEKS})
    weeks = form.cleaned_data["weeks"] if form.is_valid() else DEFAULT_WEEKS
    statistics = request_statistics(weeks=weeks)
    export = request.GET.get("export")
    if export in EXPORTS and form.is_valid():
        columns, rows = EXPORTS[export]
        stream = io.StringIO(newline="")
        write_csv(stream, columns, rows(statistics))
        response = HttpResponse(stream.getvalue(), content_type="text/csv; charset=utf-8")
        day = timezone.localdate(statistics.until, timezone.get_default_timezone()).isoformat()
        response["Content-Disposition"] = f'attachment; filename="request-statistics-{export}-{weeks}w-{day}.csv"'
        return response
    context = {
        **admin_site.each_context(request),
        "title": _("Data-rights request statistics"),
        "form": form,
        "weeks": weeks,
        "statistics": statistics,
        "chart": weekly_chart(statistics.weeks, title_id="rr-chart-title"),
    }
    return TemplateResponse(request, "admin/rights_requests/rightsrequest/statistics.html", context)
