"""The API's pages and content negotiation.

Named in ``settings.REST_FRAMEWORK``, so this module must not import DRF's views.
"""

from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
    """Pages of 20 (``?page_size=`` from 1 to 100); each list view orders its rows by a unique key last.

    A ``page_size`` that is not a whole number in that range is refused (400), not
    quietly replaced, so a client learns of its mistake; a page past the end is 404.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size, "default": self.page_size})
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1})
        return parameters

    def get_paginated_response_schema(self, schema):
        """DRF's page schema, with examples of this API's own addresses (they show in every list's example)."""
        page = super().get_paginated_response_schema(schema)
        base = "http://127.0.0.1:8000/api/v1/me/requests/"
        page["properties"]["count"]["example"] = 45
        page["properties"]["next"]["example"] = f"{base}?page=3"
        page["properties"]["previous"]["example"] = f"{base}?page=1"
        return page


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """Always answer with the view's first renderer, for endpoints that return files (errors stay JSON)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
