"""The ``calendar_date`` filter writes what ``date`` writes, in the reader's time zone and language."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

MOMENTS = [
    datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC),  # 1 April in London (summer time)
    datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC),
    datetime.date(2024, 2, 29),
    None,
]


@pytest.mark.parametrize("zone", ["Europe/London", "America/Los_Angeles", "Asia/Tokyo"])
@pytest.mark.parametrize("language", ["en-gb", "es"])
@pytest.mark.parametrize("format_string", ["F Y", "j F Y", "D, j M Y", "N jS"])
def test_it_writes_each_day_as_the_date_filter_does(zone, language, format_string):
    both = Template(f'{{{{ v|date:"{format_string}" }}}}|{{{{ v|calendar_date:"{format_string}" }}}}')
    with timezone.override(zone), translation.override(language):
        for _ in range(2):  # written, then from the cache
            for moment in MOMENTS:
                written, cached = both.render(Context({"v": moment})).split("|")
                assert cached == written


def test_a_format_with_the_time_of_day_is_refused():
    with pytest.raises(ValueError, match="date filter"):
        Template('{{ v|calendar_date:"j F Y, H:i" }}').render(Context({"v": timezone.now()}))
