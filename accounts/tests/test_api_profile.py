"""The API's own profile: the Account tab's form, rules, photo handling and audit rows."""

import io

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image

from compliance.models import AuditEvent
from learnerportal.tests.factories import UserFactory, image_file, jpeg_in_many_scans, png_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    user = UserFactory(username="kofi", email="kofi@example.org")
    user.profile.full_name = "Kofi Mensah"
    user.profile.save()
    return user


def patch(api, body):
    return api.patch("/api/v1/me/profile/", body, content_type="application/json")


def patch_multipart(api, data):
    return api.patch("/api/v1/me/profile/", encode_multipart(BOUNDARY, data), content_type=MULTIPART_CONTENT)


def test_the_owner_reads_every_field_of_their_profile(api):
    data = api.get("/api/v1/me/profile/").json()
    assert data["username"] == "kofi" and data["email"] == "kofi@example.org"
    assert data["full_name"] == "Kofi Mensah" and data["photo"] is None and data["date_of_birth"] is None


def test_changes_are_saved_with_the_account_tabs_rules_and_audited(api, learner):
    response = patch(api, {"bio": "Learning Twi.", "country": "GH", "date_of_birth": "1990-04-12", "timezone": ""})
    assert response.status_code == 200
    assert response.json()["bio"] == "Learning Twi." and response.json()["country"] == "GH"
    learner.profile.refresh_from_db()
    assert learner.profile.date_of_birth.isoformat() == "1990-04-12"
    event = AuditEvent.objects.get(subject=learner, action=AuditEvent.Action.PROFILE_UPDATED)
    assert sorted(event.changes["fields"]) == ["bio", "country", "date_of_birth"]
    assert "Learning Twi" not in repr(event.changes)  # the audit log names fields, never values


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"bio": "x" * 301}, "bio"),
        ({"phone": "call me maybe"}, "phone"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "not a date"}, "date_of_birth"),
        ({"date_of_birth": "１９９０-01-01"}, "date_of_birth"),  # full-width digits are not ISO 8601
        ({"country": "XX"}, "country"),
        ({"country": "US", "us_state": "ZZ"}, "us_state"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"education_level": "wizard"}, "education_level"),
        ({"full_name": ["a", "list"]}, "full_name"),
        ({"email": "new@example.org"}, "email"),
        ({"username": "someone-else"}, "username"),
        ({"remove_photo": "yes"}, "remove_photo"),
        ({"remove_photo": "true"}, "remove_photo"),  # JSON has booleans; a string is not one
    ],
)
def test_bad_values_are_refused_beside_the_field_and_nothing_is_saved(api, learner, body, field):
    response = patch(api, {"full_name": "Changed", **body})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["fields"]
    learner.refresh_from_db()
    learner.profile.refresh_from_db()
    assert learner.profile.full_name == "Kofi Mensah" and learner.email == "kofi@example.org"


def test_a_learner_in_california_says_so_through_the_api_and_may_then_opt_out_of_sale(api, learner):
    """The state decides the law (CCPA for California): the API reads and sets it as the Account tab does."""
    response = patch(api, {"country": "US", "us_state": "CA"})

    assert response.status_code == 200 and response.json()["us_state"] == "CA"
    assert api.get("/api/v1/me/profile/").json()["us_state"] == "CA"
    filed = api.post("/api/v1/me/requests/", {"type": "opt_out_of_sale"}, content_type="application/json")
    assert filed.status_code == 201, filed.json()


def test_the_same_refusal_reads_the_same_on_the_page_and_in_the_api(api, learner, client):
    client.force_login(learner)
    page = client.post("/settings/account/", {"full_name": "Kofi", "phone": "call me maybe"}).content.decode()
    message = patch(api, {"phone": "call me maybe"}).json()["fields"]["phone"][0]
    assert message in page


def test_a_photo_is_uploaded_as_multipart_re_encoded_and_served_to_its_owner(api, learner):
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 10, 10)).save(buffer, format="PNG")
    buffer.name = "me.png"
    buffer.seek(0)
    response = patch_multipart(api, {"photo": buffer})
    assert response.status_code == 200, response.content
    photo_url = response.json()["photo"]
    assert photo_url.endswith("/api/v1/learners/kofi/photo/")
    served = api.get(photo_url)
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert image.format == "JPEG" and max(image.size) == 512
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.PHOTO_CHANGED).exists()
    removed = patch(api, {"remove_photo": True})
    assert removed.json()["photo"] is None


def test_a_file_that_is_not_an_image_is_refused_with_the_account_tabs_words(api):
    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "photo.jpg"
    response = patch_multipart(api, {"photo": fake})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_photo" and response.json()["fields"]["photo"]


def test_a_photo_whose_pixels_are_damaged_is_refused_and_nothing_is_saved(api, learner):
    damaged = io.BytesIO(png_file(600, 400, damaged=True))
    damaged.name = "photo.png"

    response = patch_multipart(api, {"photo": damaged})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_photo"
    assert response.json()["fields"] == {"photo": ["That file is not an image we can read."]}
    assert not AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.PHOTO_CHANGED).exists()


def test_a_photo_with_too_many_pixels_is_refused_from_its_header(api):
    bomb = io.BytesIO(png_file(6300, 6300))  # 500 KB; 40 million pixels
    bomb.name = "photo.png"

    response = patch_multipart(api, {"photo": bomb})

    assert response.status_code == 400 and response.json()["code"] == "invalid_photo"
    assert response.json()["fields"]["photo"] == [
        "The photo has too many pixels: at most 12 million for a PNG image. Make it smaller and try again."
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: jpeg_in_many_scans(1000), "The photo is a JPEG in 1,000 scans: at most 64."),
        (
            lambda: image_file("JPEG", (65_500, 763), "CMYK", quality=10, optimize=True),  # once +383 MB
            "The photo is 65,500 × 763 pixels: its longer side may be at most 8 times its shorter side.",
        ),
    ],
    ids=["too-many-scans", "strip"],
)
def test_a_jpeg_costly_to_decode_is_refused_and_nothing_is_saved(api, learner, make, message):
    upload = io.BytesIO(make())
    upload.name = "photo.jpg"

    response = patch_multipart(api, {"photo": upload})

    assert response.status_code == 400 and response.json()["code"] == "invalid_photo"
    assert response.json()["fields"]["photo"][0].startswith(message)
    assert not AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.PHOTO_CHANGED).exists()


def test_thousands_of_unknown_keys_get_a_short_answer_that_counts_them(api):
    response = patch(api, {f"k{n}": 1 for n in range(5000)})  # 50 KB

    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert len(response.json()["fields"]) == 20
    assert response.json()["detail"] == "Unknown keys. 5000 fields have problems; `fields` names the first 20."
    assert len(response.content) < 2_000


def test_a_photo_sent_as_json_is_not_a_file(api):
    response = patch(api, {"photo": image_file("JPEG", (40, 40)).hex()})
    assert response.status_code == 400 and "photo" in response.json()["fields"]


def test_a_photo_comes_alone_in_its_multipart_request(api):
    response = patch_multipart(api, {"photo": io.BytesIO(image_file("JPEG", (40, 40))), "bio": "sneaked in"})
    assert response.status_code == 400 and "bio" in response.json()["fields"]
    assert patch_multipart(api, {}).json()["fields"] == {"photo": ["No file was sent."]}


def test_an_impossible_date_is_called_impossible_not_badly_formatted(api):
    response = patch(api, {"date_of_birth": "1990-02-30"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"date_of_birth": ["There is no such date (YYYY-MM-DD)."]}
