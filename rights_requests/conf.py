"""Settings of the rights_requests app, with their defaults. Override in Django settings."""

from django.conf import settings

#: Request types approved on submission by a signed-in learner; others wait for staff.
AUTO_APPROVE = frozenset(getattr(settings, "RIGHTS_REQUESTS_AUTO_APPROVE", {"access", "portability", "objection"}))
#: Remind assignees of requests due within this many days.
REMIND_WITHIN_DAYS = getattr(settings, "RIGHTS_REQUESTS_REMIND_WITHIN_DAYS", 7)
#: The supervisory authority learners may complain to (GDPR Art. 12(4), 77).
SUPERVISORY_AUTHORITY = getattr(
    settings,
    "RIGHTS_REQUESTS_SUPERVISORY_AUTHORITY",
    "the data protection authority of the country where you live or work (for example the ICO in the UK, "
    "the CNIL in France)",
)
#: Days an access report stays downloadable; after that it is deleted and the download answers 410.
DOWNLOAD_DAYS = getattr(settings, "RIGHTS_REQUESTS_DOWNLOAD_DAYS", 7)
#: What the access report says about transfers outside the EEA (GDPR Art. 15(2)); set it to the
#: operator's own arrangements (countries, safeguards such as standard contractual clauses).
TRANSFERS_STATEMENT = getattr(
    settings,
    "RIGHTS_REQUESTS_TRANSFERS_STATEMENT",
    "We do not transfer your personal data to countries outside the European Economic Area.",
)
