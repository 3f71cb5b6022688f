"""The ``calendar_date`` template filter: ``date`` for formats of the day alone, each day written once per process.

``{{ value|date:"F Y" }}`` costs Django 20-40 µs (the format parsed, each letter looked
up, month names translated): a profile's twenty accomplishments, twice on the Privacy
tab, took more than a millisecond. A format that names only the day (no time of day)
writes the same text for every moment of that day in the active time zone and
language, so that text is kept per process. Registered as a template built-in
(``TEMPLATES["OPTIONS"]["builtins"]``).
"""

import datetime
import functools
import re

from django import template
from django.utils.formats import date_format
from django.utils.translation import get_language

register = template.Library()

#: ``django.utils.dateformat`` letters that read only the date; any other letter is refused.
DATE_LETTERS = frozenset("dDjlNSwzEFmMnbLoyYWt")
#: How many written days each process keeps (per format and language).
DAYS_KEPT = 4096


@functools.lru_cache(maxsize=DAYS_KEPT)
def _written(day, format_string, language):
    return date_format(day, format_string)


@register.filter(expects_localtime=True)
def calendar_date(value, format_string):
    """Return ``value`` as ``{{ value|date:format_string }}`` writes it, for a format of the day alone.

    Args:
        value: a date, or a datetime (an aware one in the active time zone, as ``date``
            reads it); None or "" for nothing.
        format_string: ``django.utils.dateformat`` letters of the date only and
            punctuation, e.g. "j F Y" or "F Y".

    Returns:
        str, "" for None or "".

    Raises:
        ValueError: the format reads the time of day (``date`` is the filter for those).
    """
    if value in (None, ""):
        return ""
    format_string = str(format_string)  # a translated one (``_("j F Y")`` in a template) comes lazy
    # An escaped letter is written as it is (Spanish "j \\d\\e F": "7 de diciembre"): only the others are read.
    letters = {letter for letter in re.sub(r"\\.", "", format_string) if letter.isalpha()}
    if not letters <= DATE_LETTERS:
        raise ValueError(f"calendar_date writes dates only: use the date filter for {format_string!r}.")
    day = value.date() if isinstance(value, datetime.datetime) else value
    return _written(day, format_string, get_language())
