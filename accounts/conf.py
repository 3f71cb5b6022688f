"""Settings of the accounts app, with their defaults. Override in Django settings."""

from django.conf import settings

#: Largest accepted photo upload, in bytes.
PHOTO_MAX_BYTES = getattr(settings, "ACCOUNTS_PHOTO_MAX_BYTES", 2 * 1024 * 1024)
#: The kinds of image accepted as photos, and the largest of each in pixels (width × height). Read from the file's
#: header and refused before anything is decoded, so that one upload never takes more than about
#: 100 MB of memory (decompression bombs: a 2 KB WebP may declare 40 million pixels). Measured with
#: Pillow 13: libjpeg decodes a JPEG at 1/2 to 1/8 scale (a few MB whatever its size) but must keep
#: every coefficient of a progressive JPEG (up to 8 bytes a pixel); a PNG is decoded in full (up to
#: 9 bytes a pixel while it is scaled down); libwebp takes about 16 bytes a pixel.
PHOTO_MAX_PIXELS = getattr(
    settings,
    "ACCOUNTS_PHOTO_MAX_PIXELS",
    {"JPEG": 50_000_000, "progressive JPEG": 12_000_000, "PNG": 12_000_000, "WebP": 6_000_000},
)
#: Stored photos are scaled down to fit this square, in pixels.
PHOTO_STORED_SIZE = getattr(settings, "ACCOUNTS_PHOTO_STORED_SIZE", 512)
#: A session's "last active" time is written at most this often, in seconds, by each web process
#: (the throttle lives in Django's cache), not on every request.
SESSION_ACTIVITY_INTERVAL = getattr(settings, "ACCOUNTS_SESSION_ACTIVITY_INTERVAL", 5 * 60)
