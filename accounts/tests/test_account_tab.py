"""Settings → Account: edit the profile and photo; bad input is refused beside the field."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from accounts.models import Profile
from compliance.models import AuditEvent
from learnerportal.tests.factories import UserFactory, image_file, jpeg_in_many_scans, jpeg_in_separate_scans, png_file

pytestmark = pytest.mark.django_db

VALID = {
    "full_name": "Zoë Müller-Schmidt",
    "bio": "Designer. 日本語を勉強中。",
    "phone": "+49 30 901820",
    "date_of_birth": "1991-04-12",
    "country": "DE",
    "education_level": "master",
    "occupation": "Product designer",
    "timezone": "Europe/Berlin",
}


def image_upload(name="me.jpg", image_format="JPEG", size=(60, 40), exif=None):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 120, 40))
    image.save(buffer, format=image_format, **({"exif": exif} if exif else {}))
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


def gps_exif():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPSInfo
    return exif


@pytest.fixture
def learner(client):
    user = UserFactory(username="zoe")
    client.force_login(user)
    return user


def test_saving_the_profile_confirms_and_stores_every_field(client, learner):
    response = client.post("/settings/account/", VALID, follow=True)

    assert "Your profile is saved." in response.content.decode()
    profile = Profile.objects.get(user=learner)
    assert profile.full_name == "Zoë Müller-Schmidt"
    assert str(profile.date_of_birth) == "1991-04-12"
    assert profile.country.name == "Germany"
    event = AuditEvent.objects.get(subject=learner, action=AuditEvent.Action.PROFILE_UPDATED)
    assert "full_name" in event.changes["fields"]
    assert "Zoë" not in str(event.changes), "the audit log must not copy personal data"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bio", "x" * 301, "Ensure this value has at most 300 characters (it has 301)."),
        ("date_of_birth", "2023-02-30", "Enter a valid date."),
        ("date_of_birth", "2999-01-01", "The date of birth cannot be in the future."),
        ("phone", "call me maybe", "Enter a phone number of digits"),
        ("timezone", "Mars/Olympus_Mons", "Select a valid choice."),
        ("timezone", "localtime", "Select a valid choice."),  # in the host's tz database, but not a place
        ("timezone", "Factory", "Select a valid choice."),
        ("country", "XX", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_lost(client, learner, field, value, message):
    client.post("/settings/account/", VALID)

    response = client.post("/settings/account/", VALID | {"full_name": "New Name", field: value})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert message in page.split(f'id="id_{field}"')[1], "the error must follow its own field"
    assert 'value="New Name"' in page, "what the learner typed is still in the form"
    assert Profile.objects.get(user=learner).full_name == "Zoë Müller-Schmidt", "the saved profile is untouched"


def test_a_file_that_is_not_an_image_is_refused(client, learner):
    fake = SimpleUploadedFile("me.png", b"#!/bin/sh\necho not an image\n", content_type="image/png")

    page = client.post("/settings/account/", VALID | {"photo": fake}).content.decode()

    assert "That file is not an image we can read." in page
    assert not Profile.objects.get(user=learner).photo


def test_an_image_in_another_format_is_refused(client, learner):
    page = client.post("/settings/account/", VALID | {"photo": image_upload("me.gif", "GIF")}).content.decode()
    assert "Upload a JPEG, PNG or WebP image." in page


def test_an_oversized_photo_is_refused(client, learner, settings):
    settings.ACCOUNTS_PHOTO_MAX_BYTES = 100
    page = client.post("/settings/account/", VALID | {"photo": image_upload()}).content.decode()
    assert "the limit is" in page
    assert not Profile.objects.get(user=learner).photo


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        # 900 million pixels: the image library will not even open it.
        ("huge.png", lambda: png_file(30_000, 30_000, with_pixels=False), "at most 50 million."),
        # The rest are small files, each under the 40 million pixels once accepted, that took hundreds of MB.
        ("big.png", lambda: png_file(6300, 6300), "at most 12 million for a PNG image."),
        ("big.webp", lambda: image_file("WEBP", (4000, 3000), lossless=True), "at most 6 million for a WebP image."),
        (
            "big.jpg",
            lambda: image_file("JPEG", (4000, 3100), progressive=True),
            "at most 12 million for a progressive JPEG image.",
        ),
        # Not progressive, but libjpeg keeps every coefficient of a JPEG in several scans just the same.
        ("scans.jpg", lambda: jpeg_in_separate_scans(8000, 6000), "at most 12 million for a progressive JPEG image."),
    ],
    ids=["beyond-the-image-library", "png", "webp", "progressive-jpeg", "jpeg-in-separate-scans"],
)
def test_a_photo_with_too_many_pixels_is_refused_for_that_and_nothing_is_lost(client, learner, name, make, message):
    client.post("/settings/account/", VALID)
    upload = SimpleUploadedFile(name, make())

    page = client.post("/settings/account/", VALID | {"full_name": "Zoë M.", "photo": upload}).content.decode()

    assert f"The photo has too many pixels: {message}" in page
    assert "corrupted" not in page
    assert 'value="Zoë M."' in page, "what was typed is still in the form"
    profile = Profile.objects.get(user=learner)
    assert (profile.full_name, bool(profile.photo)) == ("Zoë Müller-Schmidt", False)


def test_a_jpeg_in_too_many_scans_is_refused_beside_the_field_and_nothing_is_saved(client, learner):
    upload = SimpleUploadedFile("scans.jpg", jpeg_in_many_scans(1000))  # 10,000 took 77 s of CPU

    page = client.post("/settings/account/", VALID | {"photo": upload}).content.decode()

    assert "The photo is a JPEG in 1,000 scans: at most 64." in page
    profile = Profile.objects.get(user=learner)
    assert (profile.full_name, bool(profile.photo)) == ("", False)


def test_a_photo_in_many_scans_of_a_usual_encoder_is_stored(client, learner):
    upload = SimpleUploadedFile("cmyk.jpg", image_file("JPEG", (600, 400), "CMYK", progressive=True))  # 18 scans

    client.post("/settings/account/", VALID | {"photo": upload})

    assert Profile.objects.get(user=learner).photo


@pytest.mark.parametrize(
    "size", [(65_500, 763), (763, 65_500), (4001, 500)], ids=["strip", "column", "just-over-8-to-1"]
)
def test_a_photo_much_longer_than_wide_is_refused_for_its_shape(client, learner, size):
    upload = SimpleUploadedFile("strip.jpg", image_file("JPEG", size, quality=10, optimize=True))

    page = client.post("/settings/account/", VALID | {"photo": upload}).content.decode()

    width, height = size
    assert f"The photo is {width:,} × {height:,} pixels: its longer side may be at most 8 times" in page
    assert not Profile.objects.get(user=learner).photo


def test_the_numbers_in_a_refused_photos_message_are_written_the_readers_way(client, learner, settings):
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    strip = SimpleUploadedFile("strip.jpg", image_file("JPEG", (65_500, 763), quality=10, optimize=True))
    scans = SimpleUploadedFile("scans.jpg", jpeg_in_many_scans(1000))

    shape = client.post("/settings/account/", VALID | {"photo": strip}, **spanish).content.decode()
    many_scans = client.post("/settings/account/", VALID | {"photo": scans}, **spanish).content.decode()
    settings.ACCOUNTS_PHOTO_MAX_BYTES = 1_572_864
    big = SimpleUploadedFile("big.jpg", b"\xff" * 2_000_000)
    too_large = client.post("/settings/account/", VALID | {"photo": big}, **spanish).content.decode()

    assert "La foto mide 65\xa0500 × 763 píxeles" in shape and "65,500" not in shape
    assert "un JPEG de 1\xa0000 pasadas (scans): como máximo 64." in many_scans
    assert "La foto ocupa 1,9 MB; el límite es de 1,5 MB." in too_large


def test_a_photo_of_8_to_1_is_stored(client, learner):
    client.post(
        "/settings/account/", VALID | {"photo": SimpleUploadedFile("wide.jpg", image_file("JPEG", (4000, 500)))}
    )

    assert Image.open(Profile.objects.get(user=learner).photo).size == (512, 64)


def test_a_photo_is_decoded_once_per_upload(client, learner, monkeypatch):
    decoded = []
    load = ImageFile.ImageFile.load

    def counting_load(image):
        if image.tile:  # pixels not decoded yet
            decoded.append(image.format)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)

    client.post("/settings/account/", VALID | {"photo": image_upload()})

    assert Profile.objects.get(user=learner).photo
    assert decoded == ["JPEG"]


def test_a_photo_whose_pixels_are_damaged_is_refused_beside_the_field_and_nothing_is_saved(client, learner):
    damaged = SimpleUploadedFile("me.png", png_file(600, 400, damaged=True))

    response = client.post("/settings/account/", VALID | {"photo": damaged})

    assert response.status_code == 200
    assert "That file is not an image we can read." in response.content.decode()
    profile = Profile.objects.get(user=learner)
    assert (profile.full_name, bool(profile.photo)) == ("", False)


def test_a_large_camera_photo_is_stored_upright_and_small(client, learner):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; show it rotated 90° clockwise
    upload = SimpleUploadedFile("camera.jpg", image_file("JPEG", (6000, 4000), exif=exif))

    client.post("/settings/account/", VALID | {"photo": upload})

    with default_storage.open(Profile.objects.get(user=learner).photo.name) as stored:
        assert Image.open(stored).size == (341, 512)


def test_uploaded_photo_loses_its_location_data_and_is_shown_to_its_owner(client, learner):
    client.post("/settings/account/", VALID | {"photo": image_upload(exif=gps_exif())})

    profile = Profile.objects.get(user=learner)
    with default_storage.open(profile.photo.name) as stored:
        image = Image.open(stored)
        assert image.getexif() == {}, "EXIF (GPS, camera) must be stripped"
    assert client.get("/learners/zoe/photo/").status_code == 200
    assert profile.photo.name.startswith("profile-photos/")
    assert "zoe" not in profile.photo.name, "the file name must not identify its owner"


def test_replacing_a_photo_deletes_the_old_file(client, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/account/", VALID | {"photo": image_upload()})
    first = Profile.objects.get(user=learner).photo.name

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/account/", VALID | {"photo": image_upload("new.png", "PNG")})

    second = Profile.objects.get(user=learner).photo.name
    assert second != first
    assert default_storage.exists(second)
    assert not default_storage.exists(first)


def test_removing_the_photo_deletes_the_file(client, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/account/", VALID | {"photo": image_upload()})
    name = Profile.objects.get(user=learner).photo.name

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/account/", VALID | {"remove_photo": "on"})

    assert not Profile.objects.get(user=learner).photo
    assert not default_storage.exists(name)
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.PHOTO_REMOVED).exists()


def test_choosing_a_new_photo_and_removing_it_at_once_is_refused(client, learner):
    page = client.post("/settings/account/", VALID | {"photo": image_upload(), "remove_photo": "on"}).content.decode()
    assert "Choose a new photo or remove the current one, not both." in page
    assert not Profile.objects.get(user=learner).photo


def test_a_transparent_photo_is_stored_on_white_so_the_avatar_stays_visible(client, learner):
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("clear.png", buffer.getvalue(), content_type="image/png")

    client.post("/settings/account/", VALID | {"photo": upload})

    with default_storage.open(Profile.objects.get(user=learner).photo.name) as stored:
        image = Image.open(stored)
        assert image.format == "JPEG"
        assert min(image.convert("RGB").getpixel((5, 5))) > 240
