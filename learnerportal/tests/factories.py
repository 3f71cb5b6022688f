"""factory_boy factories of the models tests create, and image files for photo uploads, for the tests of every app."""

import datetime
import io
import struct
import zlib

import factory
from django.utils import timezone
from PIL import Image

from accounts.models import Course, Enrollment, Partner, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A learner with an empty profile (created by the manager) and ``PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, password=PASSWORD, **kwargs)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner University {n}")
    kind = Partner.Kind.UNIVERSITY
    country = "PT"


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    partner = factory.SubFactory(PartnerFactory)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    progress_percent = 40


def seminars(user, count, *, completed=True):
    """Enroll ``user`` in ``count`` courses "Seminar 00", "Seminar 01" …, one a day, the last the newest.

    Enrolled from 100 days ago; each completed the day after its enrollment when
    ``completed``. For the "newest 20, then And N more" lists.
    """
    start = timezone.now() - datetime.timedelta(days=100)
    for n in range(count):
        EnrollmentFactory(
            user=user,
            course=CourseFactory(title=f"Seminar {n:02d}"),
            enrolled_at=start + datetime.timedelta(days=n),
            completed_at=start + datetime.timedelta(days=n + 1) if completed else None,
            progress_percent=100 if completed else 40,
        )


# Image files for photo uploads. The large ones are built without holding their pixels in memory.


def image_file(image_format, size, mode="RGB", **options):
    """Return the bytes of a one-colour image of ``size`` (width, height) in ``image_format`` (Pillow's names)."""
    colour = {"RGB": (200, 120, 40), "RGBA": (200, 120, 40, 128), "CMYK": (10, 80, 160, 20), "P": 0}[mode]
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format=image_format, **options)
    return buffer.getvalue()


def jpeg_in_many_scans(scans, size=(600, 400)):
    """Return a progressive JPEG of ``size`` whose last scan is repeated until it has ``scans`` scans.

    libjpeg goes over the whole image once a scan: 10,000 scans of 26 bytes took 77 s of CPU.
    """
    data = image_file("JPEG", size, progressive=True)
    last = data.rindex(b"\xff\xda")
    extra = scans - data.count(b"\xff\xda")
    return data[:-2] + data[last:-2] * extra + b"\xff\xd9"


def jpeg_in_separate_scans(width, height):
    """Return a sequential (not progressive) CMYK JPEG of black pixels, each colour in a scan of its own.

    Hand-made, as no encoder at hand writes one: one Huffman code of 1 bit, so each 8 × 8
    block takes 2 bits. libjpeg keeps all the coefficients of such a JPEG, as of a progressive one.
    """

    def segment(marker, body):
        return bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body

    one_code = bytes([1] + [0] * 15) + bytes(1)  # counts of codes by length: one of 1 bit, for symbol 0
    blocks = (width // 8) * (height // 8)
    return b"".join(
        [
            b"\xff\xd8",
            segment(0xDB, bytes(1) + bytes([1]) * 64),  # quantisation table 0
            segment(
                0xC0,
                bytes([8])
                + height.to_bytes(2, "big")
                + width.to_bytes(2, "big")
                + bytes([4])
                + b"".join(bytes([c, 0x11, 0]) for c in range(1, 5)),
            ),
            segment(0xC4, bytes([0x00]) + one_code + bytes([0x10]) + one_code),  # DC and AC Huffman tables 0
            *(segment(0xDA, bytes([1, c, 0x00, 0, 63, 0])) + bytes(blocks * 2 // 8) for c in range(1, 5)),
            b"\xff\xd9",
        ]
    )


def png_file(width, height, *, alpha=False, with_pixels=True, damaged=False):
    """Return a PNG of ``width`` × ``height`` black pixels, built a row at a time (tiny, however large).

    Without pixels, only the header and the end: enough for an image library to judge its size.
    Damaged, every chunk is well-formed but the pixel data is not compressed data at all.
    """

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    pixels = b""
    if with_pixels:
        compressor = zlib.compressobj(1)
        row = bytes(1 + width * (4 if alpha else 3))  # filter byte 0, then the samples
        pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    if damaged:
        pixels = b"not deflate data" * 64
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + (chunk(b"IDAT", pixels) if with_pixels else b"")
        + chunk(b"IEND", b"")
    )
