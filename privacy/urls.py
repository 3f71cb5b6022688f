from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("settings/privacy/", views.privacy_settings, name="settings"),
    path("learners/<str:username>/", views.learner_profile, name="profile"),
    path("learners/<str:username>/photo/", views.learner_photo, name="photo"),
]
