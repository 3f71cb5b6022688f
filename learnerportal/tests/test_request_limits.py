"""An oversized request body is refused from its declared length, unread, with a clear page or JSON error."""

import io
import json

import pytest
from django.conf import settings
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT

from accounts import conf as accounts_conf
from learnerportal.tests.support import make_token, token_client

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class HugeUpload(io.RawIOBase):
    """The body of a multipart photo upload of ``size`` bytes, made up as it is read.

    It counts what is read of it, and fails the test once more than 64 KB is read
    of a body that should have been refused unread.
    """

    def __init__(self, size):
        self.size = size
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="huge.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.size - self.read_bytes)
        if self.read_bytes + count > 64 * 1024:
            raise AssertionError(f"{self.read_bytes + count} bytes were read of a body that should be refused unread")
        data = self.head[self.read_bytes : self.read_bytes + count]
        buffer[:count] = data + b"\xff" * (count - len(data))
        self.read_bytes += count
        return count


def post_huge(client, path, size=300 * MB, method="POST", **extra):
    """Send ``path`` a multipart body of ``size`` bytes, with the CSRF token a page gave the signed-in ``client``."""
    client.get("/settings/account/")
    body = HugeUpload(size)
    response = client.generic(
        method,
        path,
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(size),
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        **{"wsgi.input": body},
        **extra,
    )
    return response, body


@pytest.mark.parametrize("path", ["/settings/account/", "/accounts/login/", "/settings/data/new/objection/"])
def test_a_300_mb_form_upload_is_refused_unread_with_a_page_saying_the_limit(learner, path):
    client = Client(enforce_csrf_checks=True)  # Django's CSRF check reads the body before any view
    client.force_login(learner)

    response, body = post_huge(client, path)

    assert response.status_code == 413
    assert body.read_bytes == 0
    page = response.content.decode()
    assert "What you sent is too large" in page and "nothing of what you sent was saved" in page
    if path == "/settings/account/":
        assert "This page takes files of up to 2 MB" in page
    else:
        assert "This page takes at most 1 MB" in page


def test_a_300_mb_api_upload_is_refused_unread_in_json_with_a_session_too(learner, verified_login):
    client = Client(enforce_csrf_checks=True)
    verified_login(client, learner)

    response, body = post_huge(client, "/api/v1/me/profile/", method="PATCH")

    assert response.status_code == 413 and body.read_bytes == 0
    assert response.json()["code"] == "too_large"
    assert response.json()["detail"] == "The body is larger than this address takes: at most 3 MB, files up to 2 MB."
    spanish, _ = post_huge(client, "/api/v1/me/profile/", method="PATCH", HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.json()["code"] == "too_large", "the code never changes"
    assert spanish.json()["detail"] == (
        "Lo que enviaste es más grande de lo que admite esta dirección: como máximo 3 MB; archivos de hasta 2 MB."
    )


def test_a_photo_just_under_the_limit_reaches_the_form_which_says_why_beside_the_field(learner, client):
    client.force_login(learner)
    photo = io.BytesIO(b"\xff\xd8" + b"0" * (accounts_conf.PHOTO_MAX_BYTES + 1000))
    photo.name = "big.jpg"

    page = client.post("/settings/account/", {"photo": photo}).content.decode()

    assert "The photo is 2.0 MB; the limit is 2 MB." in page


def test_a_json_body_that_fits_a_photo_but_not_json_is_refused(learner):
    api = token_client(make_token(learner))
    body = '{"bio": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'

    response = api.patch("/api/v1/me/profile/", body, content_type="application/json")

    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert response.json()["detail"].endswith("this address takes: at most 1 MB.")


@pytest.mark.parametrize(
    ("path", "json_answer"), [("/api/v1/me/requests/", True), ("/settings/data/new/access/", False)]
)
def test_a_body_sent_in_chunks_without_a_length_is_refused_with_411(learner, verified_login, path, json_answer):
    client = Client()
    verified_login(client, learner)

    response = client.generic(
        "POST",
        path,
        CONTENT_TYPE="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(b'{"type": "access"}')},
    )

    assert response.status_code == 411
    if json_answer:
        assert response.json()["code"] == "length_required"
        assert "Content-Length" in response.json()["detail"]
    else:
        assert "Your browser sent the form without saying how long it is" in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        # 1.8 MB that took 15 s of CPU and were answered with 35 MB.
        ("post", "/api/v1/me/requests/", {"type": "objection", "details": {"purposes": [""] * 600_000}}),
        # 150,000 unknown keys, answered with 7 MB.
        ("patch", "/api/v1/me/profile/", {f"key{n}": 1 for n in range(150_000)}),
    ],
    ids=["objection-purposes", "profile-keys"],
)
def test_a_json_body_of_megabytes_is_refused_at_once_in_a_few_bytes(learner, method, path, body):
    api = token_client(make_token(learner))

    response = getattr(api, method)(path, json.dumps(body), content_type="application/json")

    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert len(response.content) < 300
