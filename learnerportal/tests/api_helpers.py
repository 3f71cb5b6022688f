"""Helpers for API tests: tokens, clients of each kind of caller, a learner with something to see."""

import io

from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from accounts.models import TOTPDevice
from accounts.services import personal_access_token_create
from learnerportal.tests.factories import PASSWORD


def make_token(user, scope="read_write", lifetime_days=30, name="Test script"):
    """Return the text of a new personal access token of ``user``."""
    _, raw = personal_access_token_create(actor=user, user=user, name=name, scope=scope, lifetime_days=lifetime_days)
    return raw


def token_client(raw_token):
    """Return a client that sends ``raw_token`` as a Bearer token and no session cookie."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")


def jpeg_bytes(size=(40, 40)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 130)).save(buffer, format="JPEG")
    return buffer.getvalue()


def give_photo(user):
    user.profile.photo.save("face.jpg", ContentFile(jpeg_bytes()), save=True)


def turn_on_two_factor(user):
    """Give ``user`` a confirmed authenticator app (2FA on)."""
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def password_step_client(user):
    """Return a client that signed in with ``user``'s password and waits at the two-factor code step."""
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/login/code/" in response["Location"]
    return client
