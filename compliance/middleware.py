"""Middleware of the audit log."""

from .audit_context import audit_context


class AuditContextMiddleware:
    """Give each request an id and note its truncated network, for the audit events it causes.

    The id is also sent back as the ``X-Request-ID`` response header, so a
    learner reporting a problem can quote it and staff can find the events.
    Only the network (/24 or /48) is kept, never the full IP address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_context(request) as request_id:
            request.request_id = request_id  # for Django's own request lines, logged after the middleware
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
