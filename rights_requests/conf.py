"""Settings of the rights_requests app, with their defaults. Override in Django settings."""

from django.conf import settings

# What the privacy notice says too, defined with it (settings RIGHTS_REQUESTS_SUPERVISORY_AUTHORITY
# and RIGHTS_REQUESTS_TRANSFERS_STATEMENT).
from privacy.conf import SUPERVISORY_AUTHORITY, TRANSFERS_STATEMENT  # noqa: F401

#: Request types approved on submission by a signed-in learner, others waiting for staff; None (the default):
#: each type's handler says (``Handler.auto_approve``: access, portability and objection).
AUTO_APPROVE = getattr(settings, "RIGHTS_REQUESTS_AUTO_APPROVE", None)
if AUTO_APPROVE is not None:
    AUTO_APPROVE = frozenset(AUTO_APPROVE)
#: Remind assignees of requests due within this many days.
REMIND_WITHIN_DAYS = getattr(settings, "RIGHTS_REQUESTS_REMIND_WITHIN_DAYS", 7)
#: Days an access report stays downloadable; after that it is deleted and the download answers 410.
DOWNLOAD_DAYS = getattr(settings, "RIGHTS_REQUESTS_DOWNLOAD_DAYS", 7)
#: Seconds queued or running work may go without starting or reporting progress before recovery takes it back.
LEASE_SECONDS = getattr(settings, "RIGHTS_REQUESTS_LEASE_SECONDS", 300)
#: Times recovery queues interrupted work again before the request is marked failed for staff.
MAX_RETRIES = getattr(settings, "RIGHTS_REQUESTS_MAX_RETRIES", 3)
#: Seconds before the first retry; each further retry waits twice as long.
RETRY_BACKOFF_SECONDS = getattr(settings, "RIGHTS_REQUESTS_RETRY_BACKOFF_SECONDS", 60)
