"""Settings of the accounts app, with their defaults. Override in Django settings (prefix ``ACCOUNTS_``).

Each is read when used: ``conf.NAME`` is ``settings.ACCOUNTS_NAME`` if set, else the default below.
"""

from learnerportal.conf import AppSettings


class AccountsSettings(AppSettings):
    """The accounts app's settings and their defaults."""

    prefix = "ACCOUNTS_"

    #: Largest accepted photo upload, in bytes.
    PHOTO_MAX_BYTES = 2 * 1024 * 1024
    #: The kinds of image accepted as photos, and the largest of each in pixels (width × height). Read from the file's
    #: header and refused before anything is decoded, so that one upload never takes more than about
    #: 130 MB of memory (decompression bombs: a 2 KB WebP may declare 40 million pixels). Measured with
    #: Pillow 13 (accounts/tests/test_photo_memory.py, under 128 MiB each): libjpeg decodes a JPEG at
    #: 1/2 to 1/8 scale (a few MB whatever its size or shape) but must keep every coefficient of a JPEG
    #: in several scans — progressive, or sequential with its colours in separate scans, both judged as a
    #: "progressive JPEG" — (up to 8 bytes a pixel); a PNG is decoded in full (up to 9 bytes a pixel
    #: while it is scaled down); libwebp takes about 16 bytes a pixel.
    PHOTO_MAX_PIXELS = {"JPEG": 50_000_000, "progressive JPEG": 12_000_000, "PNG": 12_000_000, "WebP": 6_000_000}
    #: A photo's longer side is at most this many times its shorter side: a profile photo is shown in a
    #: square, and a strip such as 65,500 × 763 pixels is no portrait. With the pixel limits, no side of
    #: an accepted photo is over 20,000 pixels (50 million pixels at 8:1).
    PHOTO_MAX_ASPECT_RATIO = 8
    #: A JPEG's pixels may come in at most this many scans. libjpeg goes over the whole image once a scan,
    #: and nothing else bounds their number: a 366 KB file of 10,000 scans took 77 s of CPU. Cameras write
    #: one scan, encoders of progressive JPEGs about 10.
    PHOTO_MAX_JPEG_SCANS = 64
    #: Stored photos are scaled down to fit this square, in pixels.
    PHOTO_STORED_SIZE = 512
    #: A session's "last active" time is written at most this often, in seconds, not on every request
    #: (the throttle lives in Django's cache, which every web process shares).
    SESSION_ACTIVITY_INTERVAL = 5 * 60
    #: Where staff who may work data-rights requests land after signing in (a URL name), when no page was asked for.
    STAFF_LANDING = "admin:rights_requests_rightsrequest_changelist"
    #: The permission that makes a staff member land on ``STAFF_LANDING``.
    STAFF_LANDING_PERMISSION = "rights_requests.view_rightsrequest"
    #: How many single-use backup codes a learner gets with two-factor authentication.
    BACKUP_CODE_COUNT = 10
    #: The first pause, in seconds, after a wrong backup code; each further wrong code doubles it (django-otp).
    BACKUP_CODE_THROTTLE_FACTOR = 1
    #: Seconds a two-factor set-up keeps its key (reloading the page shows the same QR code) before it starts anew.
    TWO_FACTOR_SETUP_SECONDS = 30 * 60
    #: Seconds a signed-in password step waits for its code before the learner must start again.
    TWO_FACTOR_PENDING_SECONDS = 300
    #: Sensitive actions ask for the password again when the last sign-in is older than this, in seconds.
    REAUTHENTICATE_AFTER_SECONDS = 15 * 60
    #: Seconds a sign-up's confirmation link stays valid; the sign-up is deleted after that.
    SIGNUP_CONFIRMATION_SECONDS = 24 * 60 * 60
    #: At most this many sign-up emails (a confirmation link, or the "already have an account" notice) go to
    #: one address per ``SIGNUP_EMAILS_WINDOW_SECONDS``; further sign-ups with it answer the same and send nothing,
    #: so that the form cannot be used to flood someone's mailbox.
    SIGNUP_EMAILS_PER_ADDRESS = 3
    SIGNUP_EMAILS_WINDOW_SECONDS = 60 * 60
    #: Seconds a staff member's two-factor enrolment link stays valid.
    STAFF_ENROLMENT_SECONDS = 24 * 60 * 60
    #: Seconds between following a recovery link and the removal of every second factor (the waiting period),
    #: during which the owner is told and may cancel. Fixed on each recovery when it starts.
    RECOVERY_WAIT_SECONDS = 72 * 60 * 60
    #: Seconds a recovery's emailed link may be followed to start the waiting period.
    RECOVERY_LINK_SECONDS = 24 * 60 * 60
    #: At most this many recovery requests ("I can't use any of my methods") per account, and per network
    #: (an IPv4 address or an IPv6 /64), per ``RECOVERY_REQUESTS_WINDOW_SECONDS``; further ones answer the same
    #: and send nothing.
    RECOVERY_REQUESTS_PER_ACCOUNT = 3
    RECOVERY_REQUESTS_PER_NETWORK = 10
    RECOVERY_REQUESTS_WINDOW_SECONDS = 24 * 60 * 60
    #: Days a cancelled or completed recovery (or an unused link's) stays listed, then is deleted; the audit log keeps
    #: its steps.
    RECOVERY_KEEP_DAYS = 30


__getattr__ = AccountsSettings.read
