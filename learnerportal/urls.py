"""Root URLs. Their paths are a stable contract: other systems and tests rely on them."""

from django.contrib import admin
from django.urls import include, path

from learnerportal.health import healthz
from learnerportal.views import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("accounts.urls")),
    path("", include("privacy.urls")),
    path("", include("rights_requests.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("learnerportal.api.urls")),
    path("healthz", healthz, name="healthz"),
]

#: Under /api/ even an unexpected error answers in the API's JSON shape; elsewhere, the 500 page.
handler500 = "learnerportal.api.views.server_error"
