"""URLs of the rights_requests app: Settings → Your data (``/settings/data/`` is a stable contract)."""

from django.urls import path, register_converter

from . import public_views, views
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
    # People who cannot sign in (``public_views``).
    path("privacy/request/", public_views.public_request_new, name="public_new"),
    path("privacy/request/code/", public_views.public_request_code, name="public_code"),
    path("privacy/request/code/new/", public_views.public_request_code_new, name="public_code_new"),
    path("privacy/request/password/", public_views.public_request_password, name="public_password"),
    path("privacy/request/done/", public_views.public_request_done, name="public_done"),
    path("privacy/request/download/<str:token>/", public_views.public_request_download, name="public_download"),
    path("privacy/request/object/<str:token>/", public_views.agent_object, name="agent_object"),
]
