"""The registry of request types: which handler answers for each type a learner may ask for.

``rights_requests.handlers`` registers the portal's handlers here, in one place, and
is what the rest of the app asks (``handlers.handler_for``). The registry lives in
this module, which imports nothing of the app, so that the model's ``type`` choices
can be read from it (``choices``) without the model importing the handlers, which
import the model. The choices are read when used: a type registered later (in a
test, say) is a valid ``RightsRequest.type`` at once, and adding a type needs no
migration.
"""

import re

from django.core.exceptions import ImproperlyConfigured

#: What a type may be: it is stored in ``RightsRequest.type`` (20 characters at most) and is the last
#: segment of ``/settings/data/new/<type>/``.
TYPE_PATTERN = re.compile(r"[a-z][a-z_]{0,19}")

_handlers = {}


def register(handler):
    """Make ``handler`` answer for requests of ``handler.type``; types are listed in the order registered.

    Raises:
        ImproperlyConfigured: the type is taken, or is not 1–20 lower-case letters and underscores.
    """
    if not TYPE_PATTERN.fullmatch(handler.type):
        raise ImproperlyConfigured(
            f"Request type {handler.type!r}: use 1–20 lower-case letters and underscores, starting with a letter."
        )
    if handler.type in _handlers:
        raise ImproperlyConfigured(f"Request type {handler.type!r} is registered already.")
    _handlers[handler.type] = handler


def unregister(request_type):
    """Remove the handler of ``request_type`` and return it, or None when there was none."""
    return _handlers.pop(request_type, None)


def handler_for(request_type):
    """Return the handler of ``request_type``.

    Raises:
        KeyError: no handler is registered for it.
    """
    return _handlers[request_type]


def registered():
    """Return the registered handlers, in the order they were registered (the order learners see the rights in)."""
    return list(_handlers.values())


def choices():
    """Return ``[(type, label), ...]`` of the registered types: the choices of ``RightsRequest.type``."""
    return [(handler.type, handler.label) for handler in _handlers.values()]
