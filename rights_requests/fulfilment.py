"""How approved requests are carried out.

A request type with a registered handler is carried out by the processing task
without staff; the handler returns the note the learner is told. A type without
a handler waits in ``processing`` until staff carry it out and complete it in
the admin queue with a note.
"""

from collections.abc import Callable

from .models import RightsRequest

Handler = Callable[[RightsRequest], str]

_handlers: dict[str, Handler] = {}


def register(request_type, handler: Handler):
    """Have ``handler(request) -> note`` carry out requests of ``request_type``."""
    _handlers[request_type] = handler


def unregister(request_type):
    """Remove the handler of ``request_type``; return it, or None."""
    return _handlers.pop(request_type, None)


def handler_for(request_type) -> Handler | None:
    """Return the handler of ``request_type``, or None when staff carry it out."""
    return _handlers.get(request_type)
