"""Settings of the rights_requests app, with their defaults. Override in Django settings (prefix ``RIGHTS_REQUESTS_``).

Each is read when used: ``conf.NAME`` is ``settings.RIGHTS_REQUESTS_NAME`` if set, else the default below.
"""

from django.utils.translation import gettext_lazy as _

from learnerportal.conf import AppSettings


class RightsRequestsSettings(AppSettings):
    """The rights_requests app's settings and their defaults."""

    prefix = "RIGHTS_REQUESTS_"

    #: Request types approved on submission by a signed-in learner, others waiting for staff; None (the default):
    #: each type's handler says (``Handler.auto_approve``: access, portability and objection).
    AUTO_APPROVE = None
    #: Remind assignees of requests due within this many days.
    REMIND_WITHIN_DAYS = 7
    #: Days an access report stays downloadable; after that it is deleted and the download answers 410.
    DOWNLOAD_DAYS = 7
    #: Seconds queued or running work may go without starting or reporting progress before recovery takes it back.
    LEASE_SECONDS = 300
    #: Times recovery queues interrupted work again before the request is marked failed for staff.
    MAX_RETRIES = 3
    #: Seconds before the first retry; each further retry waits twice as long.
    RETRY_BACKOFF_SECONDS = 60
    #: The supervisory authority learners may complain to (GDPR Art. 12(4), 77); the privacy notice,
    #: refusals and the access report name it. The default is in the reader's language; an operator's own
    #: text is shown as set.
    SUPERVISORY_AUTHORITY = _(
        "the data protection authority of the country where you live or work (for example the ICO in the UK, "
        "the CNIL in France)"
    )
    #: What the access report and the privacy notice say about transfers, by regime key (``"gdpr"``, ``"uk_gdpr"``,
    #: ``"ccpa"``, ``"lgpd"``, ``"default"``), replacing that regime's own statement (``compliance.regimes``,
    #: ``Regime.transfers``; GDPR Art. 13(1)(f), 15(2); UK GDPR Chapter V; LGPD Art. 33): set it to the
    #: operator's own arrangements (countries, safeguards such as standard contractual clauses), shown as set.
    TRANSFERS_STATEMENTS = {}
    #: Seconds a code emailed by ``/privacy/request/`` stays valid (a new one can be asked for after).
    PUBLIC_CODE_SECONDS = 10 * 60
    #: Wrong codes allowed per code; after that a new code is needed.
    PUBLIC_CODE_TRIES = 3
    #: At most this many codes go to one address, and from one network (an IPv4 address or IPv6 /64),
    #: per ``PUBLIC_CODES_WINDOW_SECONDS``, so that the form cannot flood a mailbox or be run by a script.
    PUBLIC_CODES_PER_ADDRESS = 3
    PUBLIC_CODES_PER_NETWORK = 10
    PUBLIC_CODES_WINDOW_SECONDS = 60 * 60
    #: Wrong passwords allowed when confirming an erasure filed without signing in; then staff verify instead.
    PUBLIC_PASSWORD_TRIES = 5
    #: Requests without sign-in whose address was never confirmed are deleted this many seconds after filing.
    PUBLIC_UNVERIFIED_SECONDS = 24 * 60 * 60
    #: "No account found" requests are deleted this many days after staff answered them.
    PUBLIC_ANSWERED_DAYS = 365
    #: The largest signed authorisation an agent or parent may upload, in bytes (PDF, PNG or JPEG).
    AUTHORISATION_MAX_BYTES = 5 * 1024 * 1024
    #: Days a signed authorisation is kept once its request is closed (answered, refused, cancelled, carried
    #: out): long enough to answer a complaint about how it was judged; then the file is deleted and only
    #: the record that one was given stays (GDPR Art. 5(1)(c), (e)).
    AUTHORISATION_KEEP_DAYS = 30
    #: Days the link a learner is emailed to object to a request an agent or parent filed for them works.
    OBJECTION_LINK_DAYS = 120


__getattr__ = RightsRequestsSettings.read
