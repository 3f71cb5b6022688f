"""Date-times as staff read them, and the ``staff_datetime`` template filter that writes them.

One format wherever staff look (admin lists and pages, receipts, staff emails):
24-hour, in the platform's time zone (``settings.TIME_ZONE``), its abbreviation named,
e.g. "7 Dec 2026, 19:10 GMT". Learners see times in their own zone instead.
Registered as a template built-in (``TEMPLATES["OPTIONS"]["builtins"]``).
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_noop

register = template.Library()

#: ``django.utils.dateformat`` letters: day, month's abbreviation, year, 24-hour time, zone abbreviation; a
#: message, as the language writes it (Spanish: "7 dic 2026", the month in lower case).
STAFF_DATETIME_FORMAT = gettext_noop("j M Y, H:i T")


@register.filter(name="staff_datetime", expects_localtime=False)
def staff_datetime(value):
    """Return ``value`` as staff read it, e.g. "7 Dec 2026, 19:10 GMT": the platform's time zone, the active language.

    Args:
        value: an aware datetime, or an ISO 8601 string of one (as JSON stores it);
            None or "" for nothing.

    Returns:
        str; "" for None or "", and a string that is not a date-time unchanged.
    """
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        value = parsed
    if not isinstance(value, datetime.datetime):
        return str(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return format_date(timezone.localtime(value, timezone.get_default_timezone()), gettext(STAFF_DATETIME_FORMAT))
