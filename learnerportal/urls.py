"""Root URLs. Their paths are a stable contract: other systems and tests rely on them."""

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

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
    # The signed-out visitor's language switcher (a POST from the footer; learners choose in Settings).
    # SECURITY: without a CSRF token, so that a page is the same bytes whoever asks for it (a private
    # profile's 404 must read exactly like a missing one's, a lockout page like another name's); the
    # most a forged post can do is change the language cookie: what a signed-out browser is shown, and
    # a signed-in learner who chose no language in Settings (whose choice, once made, wins over it).
    path("language/", csrf_exempt(set_language), name="set_language"),
]

#: Under /api/ even an unexpected error answers in the API's JSON shape; elsewhere, the 500 page.
handler500 = "learnerportal.api.views.server_error"
