from django.urls import path, register_converter

from . import views


class UsernameConverter:
    """Match only characters usernames can have, so odd input (NUL, slashes, unicode) is a plain 404."""

    regex = r"[A-Za-z0-9_.-]{1,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UsernameConverter, "username")

app_name = "privacy"

urlpatterns = [
    path("settings/privacy/", views.privacy_settings, name="settings"),
    path("learners/<username:username>/", views.learner_profile, name="profile"),
    path("learners/<username:username>/photo/", views.learner_photo, name="photo"),
]
