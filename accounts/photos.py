"""Profile photos: judged from their header, then decoded once, scaled down, and re-encoded without metadata."""

import io

from django.core.files.base import ContentFile
from django.utils import formats
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from . import conf
from .exceptions import InvalidPhoto

#: The kind of image (a key of ``ACCOUNTS_PHOTO_MAX_PIXELS``) of each Pillow format we may accept.
_KINDS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
#: Modes scaled down as they are; any other (palette, 16-bit, CMYK, …) is converted to RGB(A) first.
_SCALABLE_MODES = ("RGB", "RGBA", "L", "LA")


def _number(value, *, decimals=None):
    """Return ``value`` written in the active language's way, grouped: "65,500" in English, "65 500" in Spanish.

    With ``decimals``, exactly that many decimal places ("2.0"); else at most two, and none for a
    whole number ("1.5", "8").
    """
    if decimals is not None:
        return formats.number_format(round(value, decimals), decimal_pos=decimals, force_grouping=True)
    value = round(value, 2)
    if value == int(value):
        value = int(value)
    return formats.number_format(value, force_grouping=True)


def _too_many_pixels(kind=None):
    """Return why a photo of ``kind`` (e.g. "PNG"; None when not known) is refused for its pixels."""
    if kind is None:
        limit = max(conf.PHOTO_MAX_PIXELS.values())
        return _("The photo has too many pixels: at most %(millions)s million. Make it smaller and try again.") % {
            "millions": _number(limit / 1_000_000)
        }
    limit = conf.PHOTO_MAX_PIXELS[kind]
    return _(
        "The photo has too many pixels: at most %(millions)s million for a %(kind)s image. "
        "Make it smaller and try again."
    ) % {"millions": _number(limit / 1_000_000), "kind": kind}


def photo_check(uploaded):
    """Refuse a photo the portal would not store, judging only its size and header: nothing is decoded.

    Cheap enough to run on every upload before anything else; ``photo_normalize``
    checks the same again before it decodes.

    Args:
        uploaded: a file-like object with the image bytes (e.g. ``UploadedFile``).

    Raises:
        InvalidPhoto: see ``photo_normalize``.
    """
    _check_size(uploaded)
    uploaded.seek(0)
    try:
        with Image.open(uploaded) as image:
            _kind_of(image, uploaded)
    except Image.DecompressionBombError as error:  # Pillow refuses to open it: far too many pixels
        raise InvalidPhoto(_too_many_pixels(), code="photo_too_many_pixels", field="photo") from error
    except (UnidentifiedImageError, OSError) as error:
        raise _unreadable() from error
    finally:
        uploaded.seek(0)


def photo_normalize(uploaded):
    """Return the uploaded photo decoded once, scaled down, and re-encoded without metadata.

    Re-encoding drops EXIF data such as the GPS position where the photo was taken.
    Memory and time stay bounded whatever the file declares: the header is judged
    before anything is decoded (``ACCOUNTS_PHOTO_MAX_PIXELS``, ``ACCOUNTS_PHOTO_MAX_ASPECT_RATIO``),
    a JPEG's scans are counted
    (``ACCOUNTS_PHOTO_MAX_JPEG_SCANS``), and a JPEG is decoded at the smallest scale
    (1/2 to 1/8) that still covers the stored photo's size, whatever its shape.

    Args:
        uploaded: a file-like object with the image bytes (e.g. ``UploadedFile``).

    Returns:
        ``ContentFile`` named ``photo.jpg``: a JPEG at most ``ACCOUNTS_PHOTO_STORED_SIZE``
        pixels on its longer side, turned upright as its EXIF orientation says,
        transparent areas filled with white.

    Raises:
        InvalidPhoto: when the file is over ``ACCOUNTS_PHOTO_MAX_BYTES``, not an image,
            not JPEG/PNG/WebP, has more pixels than ``ACCOUNTS_PHOTO_MAX_PIXELS`` allows
            for its kind, a shape beyond ``ACCOUNTS_PHOTO_MAX_ASPECT_RATIO``, more scans than
            ``ACCOUNTS_PHOTO_MAX_JPEG_SCANS`` (JPEG), or cannot be decoded.
    """
    _check_size(uploaded)
    size = (conf.PHOTO_STORED_SIZE, conf.PHOTO_STORED_SIZE)
    uploaded.seek(0)
    try:
        with Image.open(uploaded) as image:
            _kind_of(image, uploaded)
            # SECURITY: libjpeg decodes no more pixels than the stored photo needs (no-op for PNG and WebP).
            # Asked for the square, it would pick its scale from the shorter side alone and decode a
            # 65,500 × 763 strip in full; asked for the size the photo is stored at, it scales by up to 1/8.
            image.draft("RGB", _fitted(image.size, conf.PHOTO_STORED_SIZE))
            image.load()
            if image.mode not in _SCALABLE_MODES:
                image = image.convert("RGBA" if image.has_transparency_data else "RGB")
            image.thumbnail(size)
            image = ImageOps.exif_transpose(image).convert("RGBA")
            flattened = Image.new("RGB", image.size, "white")
            flattened.paste(image, mask=image.getchannel("A"))
            output = io.BytesIO()
            flattened.save(output, format="JPEG", quality=85, optimize=True)
    except Image.DecompressionBombError as error:
        raise InvalidPhoto(_too_many_pixels(), code="photo_too_many_pixels", field="photo") from error
    except (UnidentifiedImageError, OSError) as error:
        raise _unreadable() from error
    return ContentFile(output.getvalue(), name="photo.jpg")


def _check_size(uploaded):
    size = getattr(uploaded, "size", None)
    if size is not None and size > conf.PHOTO_MAX_BYTES:
        raise InvalidPhoto(
            _("The photo is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _number(size / 1_048_576, decimals=1), "limit": _number(conf.PHOTO_MAX_BYTES / 1_048_576)},
            code="photo_too_large",
            field="photo",
        )


def _fitted(size, box):
    """Return ``size`` (width, height) scaled down to fit a ``box`` × ``box`` square, keeping its shape.

    The size ``Image.thumbnail`` makes, at least 1 pixel a side; ``size`` itself when it fits already.
    """
    width, height = size
    scale = min(box / width, box / height, 1)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _kind_of(image, uploaded):
    """Return the kind of the opened ``image`` (a key of ``ACCOUNTS_PHOTO_MAX_PIXELS``) if it is acceptable.

    A JPEG in more than one scan is judged as a "progressive JPEG": libjpeg keeps all its coefficients.

    Args:
        image: the photo opened by Pillow, nothing decoded yet.
        uploaded: the file it was opened from, at most ``ACCOUNTS_PHOTO_MAX_BYTES`` long;
            read for a JPEG's scans, and left where it was.

    Raises:
        InvalidPhoto: for another format, more pixels than its kind allows, a shape
            beyond ``ACCOUNTS_PHOTO_MAX_ASPECT_RATIO``, or a JPEG in too many scans.
    """
    kind = _KINDS.get(image.format)
    if kind not in conf.PHOTO_MAX_PIXELS:
        raise InvalidPhoto(_("Upload a JPEG, PNG or WebP image."), code="photo_bad_format", field="photo")
    scans = 0
    if kind == "JPEG":
        position = uploaded.tell()
        uploaded.seek(0)
        scans = _jpeg_scans(uploaded.read(conf.PHOTO_MAX_BYTES + 1))
        uploaded.seek(position)
        if image.info.get("progressive") or scans > 1:
            kind = "progressive JPEG"
    # SECURITY: judged from the header, before decoding: a few KB may declare billions of pixels.
    if image.width * image.height > conf.PHOTO_MAX_PIXELS[kind]:
        raise InvalidPhoto(_too_many_pixels(kind), code="photo_too_many_pixels", field="photo")
    longer, shorter = max(image.size), min(image.size)
    # SECURITY: with the pixel limits, bounds each side; libjpeg's buffers grow with the longer one.
    if longer > shorter * conf.PHOTO_MAX_ASPECT_RATIO:
        raise InvalidPhoto(
            _(
                "The photo is %(width)s × %(height)s pixels: its longer side may be at most "
                "%(ratio)s times its shorter side. Crop it and try again."
            )
            % {
                "width": _number(image.width),
                "height": _number(image.height),
                "ratio": _number(conf.PHOTO_MAX_ASPECT_RATIO),
            },
            code="photo_bad_shape",
            field="photo",
        )
    # SECURITY: libjpeg goes over the whole image once a scan; thousands of tiny scans take minutes of CPU.
    if scans > conf.PHOTO_MAX_JPEG_SCANS:
        raise InvalidPhoto(
            _(
                "The photo is a JPEG in %(scans)s scans: at most %(limit)s. "
                "Save it again from an image editor and try again."
            )
            % {"scans": _number(scans), "limit": _number(conf.PHOTO_MAX_JPEG_SCANS)},
            code="photo_too_many_scans",
            field="photo",
        )
    return kind


def _jpeg_scans(data):
    """Return how many scans (SOS markers, ``FF DA``) the JPEG ``data`` has before its end (``FF D9``).

    Walks the markers as libjpeg reads them (ITU T.81 Annex B): a marker segment is skipped by its
    length, so the JPEG of an EXIF thumbnail is not counted; in a scan's entropy-coded data a 0xFF
    byte is followed by 0x00 (stuffing) or a restart marker, so the next other marker ends it.
    """
    scans = 0
    at = data.find(b"\xff", 2)  # after SOI
    while 0 <= at < len(data) - 1:
        marker = data[at + 1]
        if marker == 0xD9:  # EOI: libjpeg reads no further
            break
        if marker == 0xFF or marker == 0x00 or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            # fill byte, stuffed 0xFF in entropy-coded data, restart marker or TEM: no length follows
            at = data.find(b"\xff", at + 1 if marker == 0xFF else at + 2)
            continue
        if marker == 0xDA:
            scans += 1
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        at = data.find(b"\xff", at + 2 + max(length, 2))
    return scans


def _unreadable():
    return InvalidPhoto(_("That file is not an image we can read."), code="photo_unreadable", field="photo")
