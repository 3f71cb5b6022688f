"""One photo upload takes bounded memory, whatever pixels its few bytes declare (decompression bombs).

Pillow allocates outside Python's ``tracemalloc``, so each upload runs in a forked
process of its own and its peak resident memory (``ru_maxrss``) is compared with
where it started. The forks are made from a fresh interpreter, run once for the
module: how much the C allocator already holds depends on what ran before, and
must not depend on which tests pytest ran first in this process.
"""

import io
import json
import os
import resource
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts import conf
from accounts.photos import photo_check, photo_normalize
from learnerportal.tests.factories import image_file, jpeg_in_separate_scans, png_file

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="measures forked processes")

#: Small files declaring more pixels than accepted; each was accepted, and took hundreds of MB, before.
BOMBS = {
    # 500 KB; 40 million pixels. Its like at the highest compression (131 KB) made a worker grow by 470 MB.
    "png-40-megapixels": lambda: png_file(6300, 6300),
    "webp-12-megapixels": lambda: image_file("WEBP", (4000, 3000), lossless=True),  # 300 bytes
    "progressive-jpeg-24-megapixels": lambda: image_file("JPEG", (6000, 4000), progressive=True),
    # 750 KB; 48 million pixels, each colour in a scan of its own: libjpeg kept every coefficient (+375 MB).
    "sequential-cmyk-jpeg-in-separate-scans-48-megapixels": lambda: jpeg_in_separate_scans(8000, 6000),
}
#: The largest photo accepted of each kind, in its costliest form.
LARGEST = {
    "png-rgba-12-megapixels": lambda: png_file(4000, 3000, alpha=True),
    "png-palette-transparent-12-megapixels": lambda: image_file("PNG", (4000, 3000), "P", transparency=0),
    "webp-rgba-6-megapixels": lambda: image_file("WEBP", (3000, 2000), "RGBA", lossless=True),
    "webp-rgb-6-megapixels": lambda: image_file("WEBP", (3000, 2000), lossless=True),
    "progressive-cmyk-jpeg-12-megapixels": lambda: image_file("JPEG", (4000, 3000), "CMYK", progressive=True),
    "jpeg-50-megapixels": lambda: image_file("JPEG", (8660, 5770)),  # decoded at 1/8 scale
    "widest-cmyk-jpeg-50-megapixels": lambda: image_file("JPEG", (20_000, 2500), "CMYK", quality=10, optimize=True),
}
#: JPEG strips under the JPEG pixel limit; libjpeg chose its scale from the shorter side and decoded them in full.
STRIPS = {
    "cmyk-jpeg-65500x763": lambda: image_file("JPEG", (65_500, 763), "CMYK", quality=10, optimize=True),  # +383 MB
    "rgb-jpeg-65500x763": lambda: image_file("JPEG", (65_500, 763), quality=10, optimize=True, subsampling=2),
}
#: The photo shape rules switched off, to measure the decode of a strip itself.
ANY_SHAPE = {"PHOTO_MAX_ASPECT_RATIO": 10**6}


def upload_in_a_child(data, conf_changes=None):
    """Upload ``data`` as the Account tab and the API do, in a forked process.

    The upload is judged from its header, then decoded once into the stored photo,
    as ``profile_update`` does (without its database writes). ``conf_changes``
    (``{name: value}``) are set on ``accounts.conf`` in the child alone.

    Returns:
        ``[outcome, grew]``: "stored" or the refusal's code, and how far the
        child's peak resident memory rose above where it started, in MiB.
    """
    with Image.open(io.BytesIO(data)) as image:
        name = f"photo.{image.format.lower()}"
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report, and leave without running any of the parent's clean-up
        try:
            os.close(read_end)
            for setting, value in (conf_changes or {}).items():
                setattr(conf, setting, value)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                upload = SimpleUploadedFile(name, data)
                photo_check(upload)
                photo_normalize(upload)
                outcome = "stored"
            except Exception as error:  # a refusal's code; anything else fails the test in the parent
                outcome = getattr(error, "code", None) or repr(error)
            grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # KiB on Linux
            os.write(write_end, json.dumps([outcome, grew]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        report = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(report) if report else ["the child process failed before reporting", 0]


def made_in_a_child(make):
    """Return the bytes ``make()`` returns, made in a forked process.

    Making a large image takes memory the C allocator may keep; made here, it
    would be reused by the upload and hide that upload's own peak.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(make())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return data


def measure_every_upload():
    """Print ``{case: [outcome, grew]}`` for every case, as JSON (run in a fresh interpreter)."""
    measured = {case: upload_in_a_child(made_in_a_child(make)) for case, make in (BOMBS | LARGEST | STRIPS).items()}
    for case, make in STRIPS.items():
        measured[f"{case}-any-shape"] = upload_in_a_child(made_in_a_child(make), ANY_SHAPE)
    print(json.dumps(measured))


@pytest.fixture(scope="module")
def measured():
    code = f"import django; django.setup(); from {__name__} import measure_every_upload as m; m()"
    done = subprocess.run(  # noqa: S603 - this interpreter, running this module
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("case", BOMBS)
def test_a_small_file_declaring_too_many_pixels_is_refused_before_it_is_decoded(measured, case):
    outcome, grew = measured[case]

    assert outcome == "photo_too_many_pixels"
    assert grew < 16, f"refusing it took {grew:.0f} MiB"


@pytest.mark.parametrize("case", LARGEST)
def test_the_largest_photo_of_each_kind_is_stored_in_bounded_memory(measured, case):
    outcome, grew = measured[case]

    assert outcome == "stored"
    assert grew < 128, f"storing it took {grew:.0f} MiB"


@pytest.mark.parametrize("case", STRIPS)
def test_a_jpeg_strip_is_refused_for_its_shape_before_it_is_decoded(measured, case):
    outcome, grew = measured[case]

    assert outcome == "photo_bad_shape"
    assert grew < 16, f"refusing it took {grew:.0f} MiB"


@pytest.mark.parametrize("case", STRIPS)
def test_a_jpeg_strip_is_decoded_at_the_scale_of_the_stored_photo_whatever_its_shape(measured, case):
    outcome, grew = measured[f"{case}-any-shape"]

    assert outcome == "stored"
    assert grew < 32, f"storing it took {grew:.0f} MiB"
