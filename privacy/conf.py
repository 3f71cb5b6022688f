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
RESEARCH_MIN_GROUP_SIZE = getattr(settings, "PRIVACY_RESEARCH_MIN_GROUP_SIZE", 10)  # smaller groups are suppressed
#: Below this age (in years) a learner cannot make profile fields public or grant optional purposes (GDPR Art. 8(1)).
DIGITAL_CONSENT_AGE = getattr(settings, "PRIVACY_DIGITAL_CONSENT_AGE", 16)
#: The dashboard suggests a privacy checkup when the last review is older than this many days.
CHECKUP_AFTER_DAYS = getattr(settings, "PRIVACY_CHECKUP_AFTER_DAYS", 180)
#: Seconds a staff member's two-factor enrolment link stays valid.
STAFF_ENROLMENT_SECONDS = getattr(settings, "PRIVACY_STAFF_ENROLMENT_SECONDS", 24 * 60 * 60)
