"""Fixtures for the tests of the project's shell: what was logged."""

import io
import logging

import pytest

from learnerportal.log import JSONFormatter


@pytest.fixture(params=["text"])
def log_lines(request):
    """Return a function giving what was logged so far, as the console handler writes it (a list of lines).

    Parametrise indirectly with "json" to get the ``DJANGO_LOG_FORMAT=json`` lines.
    """
    root = logging.getLogger()
    console = next(handler for handler in root.handlers if handler.get_name() == "console")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter() if request.param == "json" else console.formatter)
    for log_filter in console.filters:
        handler.addFilter(log_filter)
    root.addHandler(handler)
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)
