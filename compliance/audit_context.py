"""What the audit log knows about the HTTP request being served: its id and truncated network.

``AuditContextMiddleware`` sets both for the duration of a request; services
that write audit events read them here, so they need no request argument.
Outside a request (commands, background tasks) both are empty.
"""

import contextlib
import uuid
from contextvars import ContextVar

from learnerportal.addresses import client_ip_address, ip_network
from learnerportal.log import request_id_var as _request_id

_network: ContextVar[str] = ContextVar("audit_network", default="")


@contextlib.contextmanager
def audit_context(request):
    """Within the block, audit events carry a new request id and ``request``'s truncated network.

    Yields:
        str: the request id (a UUID4 as 36 characters).
    """
    request_id = str(uuid.uuid4())
    tokens = (_request_id.set(request_id), _network.set(ip_network(client_ip_address(request))))
    try:
        yield request_id
    finally:
        _request_id.reset(tokens[0])
        _network.reset(tokens[1])


def current_request_id():
    """Return the id of the request being served, or "" outside a request."""
    return _request_id.get()


def current_network():
    """Return the /24 or /48 network of the request being served, or "" outside a request."""
    return _network.get()
