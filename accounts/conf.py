"""Settings of the accounts app, with their defaults. Override in Django settings."""

from django.conf import settings

#: Largest accepted photo upload, in bytes.
PHOTO_MAX_BYTES = getattr(settings, "ACCOUNTS_PHOTO_MAX_BYTES", 2 * 1024 * 1024)
#: Largest accepted photo, in pixels (width × height), against decompression bombs.
PHOTO_MAX_PIXELS = getattr(settings, "ACCOUNTS_PHOTO_MAX_PIXELS", 40_000_000)
#: Stored photos are scaled down to fit this square, in pixels.
PHOTO_STORED_SIZE = getattr(settings, "ACCOUNTS_PHOTO_STORED_SIZE", 512)
#: Image formats accepted for photos (Pillow format names).
PHOTO_FORMATS = getattr(settings, "ACCOUNTS_PHOTO_FORMATS", ("JPEG", "PNG", "WEBP"))
#: A session's "last active" time is written at most this often, in seconds, by each web process
#: (the throttle lives in Django's cache), not on every request.
SESSION_ACTIVITY_INTERVAL = getattr(settings, "ACCOUNTS_SESSION_ACTIVITY_INTERVAL", 5 * 60)
