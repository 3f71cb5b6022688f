"""Root URLs. The URL contract is in ../shared/DESIGN.md."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("", include("accounts.urls")),
    path("", include("privacy.urls")),
    path("admin/", admin.site.urls),
]
