"""URLs of the REST API (``/api/v1/…``), its OpenAPI schema (``/api/schema/``) and docs (``/api/docs/``).

Included from the root URLconf under ``api/``; names live in the ``api`` namespace.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from accounts.api import MyProfileView
from privacy.api import (
    LearnerAccomplishmentsView,
    LearnerCoursesView,
    LearnerPhotoView,
    LearnerProfileView,
    MyConsentHistoryView,
    MyConsentsView,
    MyPrivacyView,
)
from privacy.urls import UsernameConverter  # noqa: F401 - registers the "username" converter
from rights_requests.api import (
    MyRequestDownloadView,
    MyRequestLiftView,
    MyRequestsView,
    MyRequestView,
    MyRequestWithdrawView,
)

from .views import api_docs, api_not_found

app_name = "api"

urlpatterns = [
    path("v1/me/profile/", MyProfileView.as_view(), name="profile"),
    path("v1/me/privacy/", MyPrivacyView.as_view(), name="privacy"),
    path("v1/me/consents/", MyConsentsView.as_view(), name="consents"),
    path("v1/me/consents/history/", MyConsentHistoryView.as_view(), name="consent_history"),
    path("v1/me/requests/", MyRequestsView.as_view(), name="requests"),
    path("v1/me/requests/<uuid:request_id>/", MyRequestView.as_view(), name="request_detail"),
    path("v1/me/requests/<uuid:request_id>/withdraw/", MyRequestWithdrawView.as_view(), name="request_withdraw"),
    path("v1/me/requests/<uuid:request_id>/lift/", MyRequestLiftView.as_view(), name="request_lift"),
    path("v1/me/requests/<uuid:request_id>/download/", MyRequestDownloadView.as_view(), name="request_download"),
    path("v1/learners/<username:username>/", LearnerProfileView.as_view(), name="learner"),
    path("v1/learners/<username:username>/photo/", LearnerPhotoView.as_view(), name="learner_photo"),
    path("v1/learners/<username:username>/courses/", LearnerCoursesView.as_view(), name="learner_courses"),
    path(
        "v1/learners/<username:username>/accomplishments/",
        LearnerAccomplishmentsView.as_view(),
        name="learner_accomplishments",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    re_path(r"^", api_not_found),
]
