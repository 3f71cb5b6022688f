"""Log lines for operators: time, level, logger and request id on each, one line per event, no personal data.

``settings.LOGGING`` wires these into the console handler:

- ``RequestContextFilter`` adds ``request_id`` (the ``X-Request-ID`` of the request
  being served, also on Django's lines logged once the middleware is done; "-" outside
  one) and ``reference`` (the rights request a background task works on, "-" otherwise)
  to every record.
- ``PersonalDataFilter`` replaces the address in Django's request lines ("Not Found:
  /learners/<username>/") with the URL pattern it matched, so no username or other
  path value reaches the log.
- ``OneErrorPerRequestFilter`` keeps the first 5xx line of a request only: when a
  middleware fails, the middleware around it can fail again on the same cause.
- ``TextFormatter`` / ``JSONFormatter`` (``DJANGO_LOG_FORMAT=json``) write the line and
  blank out email addresses anywhere in it, tracebacks included (an SMTP error names
  the refused recipient).
"""

import contextlib
import datetime
import json
import logging
import re
from contextvars import ContextVar

from django.urls import Resolver404, resolve

#: The id of the request being served (``compliance.audit_context`` sets it; "" outside a request).
request_id_var: ContextVar[str] = ContextVar("request_id", default="")
_reference: ContextVar[str] = ContextVar("log_reference", default="")

#: An email address anywhere in a line (RFC 5322's common form; enough to blank it out).
EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
REDACTED_EMAIL = "<email>"
#: What stands for an address that matches no URL pattern (it may still hold personal data).
UNMATCHED_PATH = "<no matching URL>"


@contextlib.contextmanager
def log_reference(reference):
    """Within the block, log lines name ``reference`` (a rights request's ``DSR-…`` reference)."""
    token = _reference.set(reference)
    try:
        yield
    finally:
        _reference.reset(token)


def set_log_reference(reference):
    """From now on in this context, log lines name ``reference`` ("" to stop): for a task's start and end."""
    _reference.set(reference)


def redact(text):
    """Return ``text`` with every email address replaced by ``<email>``."""
    return EMAIL_ADDRESS.sub(REDACTED_EMAIL, text)


def route_of(request):
    """Return the URL pattern ``request`` matched (e.g. ``/learners/<str:username>/``), never its path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return UNMATCHED_PATH
    return "/" + (match.route or "")  # the home page's route is ""


class RequestContextFilter(logging.Filter):
    """Add ``request_id`` and ``reference`` to every record ("-" when there is none)."""

    def filter(self, record):
        request = getattr(record, "request", None)
        record.request_id = request_id_var.get() or getattr(request, "request_id", "") or "-"
        record.reference = _reference.get() or "-"
        return True


class PersonalDataFilter(logging.Filter):
    """Put the matched URL pattern in place of the request's path in Django's request lines.

    Django's ``log_response`` passes ``request.path`` (escaped) as an argument of
    "Not Found: %s", "Forbidden (…): %s", "Internal Server Error: %s"; a path such as
    ``/learners/<username>/`` is personal data.
    """

    def filter(self, record):
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path is not None and isinstance(record.args, tuple):
            escaped = path.encode("unicode_escape").decode("ascii")
            record.args = tuple(route_of(request) if arg in (path, escaped) else arg for arg in record.args)
        return True


class OneErrorPerRequestFilter(logging.Filter):
    """Drop a request's second and later 5xx lines: one failure, one line."""

    def filter(self, record):
        request = getattr(record, "request", None)
        if request is None or getattr(record, "status_code", 0) < 500:
            return True
        # The record itself is kept, not a flag: logging configured twice puts this filter on the logger twice.
        first = getattr(request, "_portal_first_error_record", None)
        if first is None:
            request._portal_first_error_record = first = record
        return first is record


class TextFormatter(logging.Formatter):
    """``2026-12-06T10:00:00.123+00:00 ERROR django.request [req=<id> ref=<DSR-…>] message``, emails blanked."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [req=%(request_id)s ref=%(reference)s] %(message)s")

    def formatTime(self, record, datefmt=None):
        return _timestamp(record)

    def format(self, record):
        _ensure_context(record)
        # One line per event: a traceback's lines are joined, so a log reader never splits it.
        return redact(super().format(record)).replace("\n", " \\n ")


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, reference, message, exception."""

    def format(self, record):
        _ensure_context(record)
        line = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": record.request_id,
            "reference": record.reference,
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def _timestamp(record):
    """Return the record's time in UTC, ISO 8601 with milliseconds."""
    moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds")


def _ensure_context(record):
    """Fill ``request_id``/``reference`` when the record reached the formatter past the filter."""
    if not hasattr(record, "request_id"):
        RequestContextFilter().filter(record)
