"""Settings of the privacy app, with their defaults. Override in Django settings."""

from django.conf import settings

#: How many single-use backup codes a learner gets with two-factor authentication.
BACKUP_CODE_COUNT = getattr(settings, "PRIVACY_BACKUP_CODE_COUNT", 10)
#: Seconds a signed-in password step waits for its code before the learner must start again.
TWO_FACTOR_PENDING_SECONDS = getattr(settings, "PRIVACY_TWO_FACTOR_PENDING_SECONDS", 300)
#: Sensitive actions ask for the password again when the last sign-in is older than this, in seconds.
REAUTHENTICATE_AFTER_SECONDS = getattr(settings, "PRIVACY_REAUTHENTICATE_AFTER_SECONDS", 15 * 60)
#: The version of the privacy policy a consent given now refers to.
POLICY_VERSION = getattr(settings, "PRIVACY_POLICY_VERSION", "2026-11")
