"""URLs of the rights_requests app: Settings → Your data (``/settings/data/`` is a stable contract)."""

from django.urls import path, register_converter

from . import views
from .handlers import registered
from .request_types import TYPE_PATTERN


class RequestTypeConverter:
    """Match only registered request types, so any other word is a plain 404."""

    regex = TYPE_PATTERN.pattern

    def to_python(self, value):
        if value not in {handler.type for handler in registered()}:
            raise ValueError(f"{value!r} is not a type of request.")
        return value

    def to_url(self, value):
        return str(value)


register_converter(RequestTypeConverter, "request_type")

app_name = "rights_requests"

urlpatterns = [
    path("settings/data/", views.data_rights, name="index"),
    path("settings/data/new/<request_type:request_type>/", views.request_new, name="new"),
    path("settings/data/<uuid:request_id>/", views.request_detail, name="detail"),
    path("settings/data/<uuid:request_id>/withdraw/", views.request_withdraw_view, name="withdraw"),
    path("settings/data/<uuid:request_id>/lift/", views.request_lift_ask_view, name="lift"),
    path("settings/data/<uuid:request_id>/download/", views.request_file_download_view, name="download"),
]
