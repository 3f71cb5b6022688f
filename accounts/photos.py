"""Profile photo processing: validate, then re-encode without metadata."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from . import conf
from .exceptions import InvalidPhoto

#: Why a photo with more than ``ACCOUNTS_PHOTO_MAX_PIXELS`` pixels is refused.
TOO_MANY_PIXELS = (
    f"The photo has too many pixels: at most {conf.PHOTO_MAX_PIXELS / 1_000_000:g} million. "
    "Make it smaller and try again."
)


def photo_normalize(uploaded):
    """Return the uploaded photo re-encoded, scaled down and stripped of metadata.

    Re-encoding drops EXIF data such as the GPS position where the photo was taken.

    Args:
        uploaded: a file-like object with the image bytes (e.g. ``UploadedFile``).

    Returns:
        ``ContentFile`` named ``photo.jpg``: a JPEG at most ``ACCOUNTS_PHOTO_STORED_SIZE``
        pixels on its longer side, transparent areas filled with white.

    Raises:
        InvalidPhoto: when the file is too large, not an image, not JPEG/PNG/WebP,
            or has more than ``ACCOUNTS_PHOTO_MAX_PIXELS`` pixels.
    """
    size = getattr(uploaded, "size", None)
    if size is not None and size > conf.PHOTO_MAX_BYTES:
        raise InvalidPhoto(
            f"The photo is {size / 1_048_576:.1f} MB; the limit is {conf.PHOTO_MAX_BYTES / 1_048_576:.0f} MB.",
            code="photo_too_large",
            field="photo",
        )
    uploaded.seek(0)
    try:
        with Image.open(uploaded) as image:
            if image.format not in conf.PHOTO_FORMATS:
                raise InvalidPhoto("Upload a JPEG, PNG or WebP image.", code="photo_bad_format", field="photo")
            if image.width * image.height > conf.PHOTO_MAX_PIXELS:
                raise InvalidPhoto(TOO_MANY_PIXELS, code="photo_too_many_pixels", field="photo")
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGBA")
            image.thumbnail((conf.PHOTO_STORED_SIZE, conf.PHOTO_STORED_SIZE))
            flattened = Image.new("RGB", image.size, "white")
            flattened.paste(image, mask=image.getchannel("A"))
            output = io.BytesIO()
            flattened.save(output, format="JPEG", quality=85, optimize=True)
    except Image.DecompressionBombError as error:  # Pillow refuses to open it: far too many pixels
        raise InvalidPhoto(TOO_MANY_PIXELS, code="photo_too_many_pixels", field="photo") from error
    except (UnidentifiedImageError, OSError) as error:
        raise InvalidPhoto("That file is not an image we can read.", code="photo_unreadable", field="photo") from error
    return ContentFile(output.getvalue(), name="photo.jpg")
