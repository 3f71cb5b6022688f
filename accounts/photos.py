"""Profile photos: judged from their header, then decoded once, scaled down, and re-encoded without metadata."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from . import conf
from .exceptions import InvalidPhoto

#: The kind of image (a key of ``ACCOUNTS_PHOTO_MAX_PIXELS``) of each Pillow format we may accept.
_KINDS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
#: Modes scaled down as they are; any other (palette, 16-bit, CMYK, …) is converted to RGB(A) first.
_SCALABLE_MODES = ("RGB", "RGBA", "L", "LA")


def _too_many_pixels(kind=None):
    """Return why a photo of ``kind`` (e.g. "PNG"; None when not known) is refused for its pixels."""
    if kind is None:
        limit = max(conf.PHOTO_MAX_PIXELS.values())
        return f"The photo has too many pixels: at most {limit / 1_000_000:g} million. Make it smaller and try again."
    limit = conf.PHOTO_MAX_PIXELS[kind]
    return (
        f"The photo has too many pixels: at most {limit / 1_000_000:g} million for a {kind} image. "
        "Make it smaller and try again."
    )


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
            _kind_of(image)
    except Image.DecompressionBombError as error:  # Pillow refuses to open it: far too many pixels
        raise InvalidPhoto(_too_many_pixels(), code="photo_too_many_pixels", field="photo") from error
    except (UnidentifiedImageError, OSError) as error:
        raise _unreadable() from error
    finally:
        uploaded.seek(0)


def photo_normalize(uploaded):
    """Return the uploaded photo decoded once, scaled down, and re-encoded without metadata.

    Re-encoding drops EXIF data such as the GPS position where the photo was taken.
    Memory stays bounded whatever the file declares: the header is judged before
    anything is decoded (``ACCOUNTS_PHOTO_MAX_PIXELS``), and a JPEG is decoded at the
    smallest scale (1/2 to 1/8) that still covers the stored size.

    Args:
        uploaded: a file-like object with the image bytes (e.g. ``UploadedFile``).

    Returns:
        ``ContentFile`` named ``photo.jpg``: a JPEG at most ``ACCOUNTS_PHOTO_STORED_SIZE``
        pixels on its longer side, turned upright as its EXIF orientation says,
        transparent areas filled with white.

    Raises:
        InvalidPhoto: when the file is over ``ACCOUNTS_PHOTO_MAX_BYTES``, not an image,
            not JPEG/PNG/WebP, has more pixels than ``ACCOUNTS_PHOTO_MAX_PIXELS`` allows
            for its kind, or cannot be decoded.
    """
    _check_size(uploaded)
    size = (conf.PHOTO_STORED_SIZE, conf.PHOTO_STORED_SIZE)
    uploaded.seek(0)
    try:
        with Image.open(uploaded) as image:
            _kind_of(image)
            # SECURITY: libjpeg decodes no more pixels than the stored photo needs (no-op for PNG and WebP).
            image.draft("RGB", size)
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
            f"The photo is {size / 1_048_576:.1f} MB; the limit is {conf.PHOTO_MAX_BYTES / 1_048_576:.0f} MB.",
            code="photo_too_large",
            field="photo",
        )


def _kind_of(image):
    """Return the kind of the opened ``image`` (a key of ``ACCOUNTS_PHOTO_MAX_PIXELS``) if it is acceptable.

    Raises:
        InvalidPhoto: for another format, or more pixels than its kind allows.
    """
    kind = _KINDS.get(image.format)
    if kind == "JPEG" and image.info.get("progressive"):
        kind = "progressive JPEG"
    if kind not in conf.PHOTO_MAX_PIXELS:
        raise InvalidPhoto("Upload a JPEG, PNG or WebP image.", code="photo_bad_format", field="photo")
    # SECURITY: judged from the header, before decoding: a few KB may declare billions of pixels.
    if image.width * image.height > conf.PHOTO_MAX_PIXELS[kind]:
        raise InvalidPhoto(_too_many_pixels(kind), code="photo_too_many_pixels", field="photo")
    return kind


def _unreadable():
    return InvalidPhoto("That file is not an image we can read.", code="photo_unreadable", field="photo")
