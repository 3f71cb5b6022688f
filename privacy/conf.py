"""Settings of the privacy app, with their defaults. Override in Django settings."""

from django.conf import settings

#: The version of the privacy policy a consent given now refers to.
POLICY_VERSION = getattr(settings, "PRIVACY_POLICY_VERSION", "2026-11")
RESEARCH_MIN_GROUP_SIZE = getattr(settings, "PRIVACY_RESEARCH_MIN_GROUP_SIZE", 10)  # smaller groups are suppressed
#: Below this age (in years) a learner cannot make profile fields public or grant optional purposes (GDPR Art. 8(1)).
DIGITAL_CONSENT_AGE = getattr(settings, "PRIVACY_DIGITAL_CONSENT_AGE", 16)
#: The dashboard suggests a privacy checkup when the last review is older than this many days.
CHECKUP_AFTER_DAYS = getattr(settings, "PRIVACY_CHECKUP_AFTER_DAYS", 180)

# What the privacy notice (GDPR Art. 13) and the access report (Art. 15) say of the operator.
# Set them to the operator's own: the defaults describe the demo site.

#: The controller: who decides why and how learners' data is processed, and how to reach them (Art. 13(1)(a)).
CONTROLLER = getattr(
    settings, "PRIVACY_CONTROLLER", "Learner Portal, the operator of this site: privacy@learnerportal.example"
)
#: How to reach the data protection officer (Art. 13(1)(b), 37(7)).
DPO_CONTACT = getattr(settings, "PRIVACY_DPO_CONTACT", "dpo@learnerportal.example")
#: The supervisory authority learners may complain to (GDPR Art. 12(4), 77).
SUPERVISORY_AUTHORITY = getattr(
    settings,
    "RIGHTS_REQUESTS_SUPERVISORY_AUTHORITY",
    "the data protection authority of the country where you live or work (for example the ICO in the UK, "
    "the CNIL in France)",
)
#: What the access report says about transfers outside the EEA (GDPR Art. 15(2)); set it to the
#: operator's own arrangements (countries, safeguards such as standard contractual clauses).
TRANSFERS_STATEMENT = getattr(
    settings,
    "RIGHTS_REQUESTS_TRANSFERS_STATEMENT",
    "We do not transfer your personal data to countries outside the European Economic Area.",
)
#: Whether decisions about learners are made by automated means alone (Art. 13(2)(f), 15(1)(h), 22).
AUTOMATED_DECISIONS_STATEMENT = getattr(
    settings,
    "PRIVACY_AUTOMATED_DECISIONS_STATEMENT",
    "We make no decision about you based solely on automated processing that has legal or similarly "
    "significant effects. Course recommendations, if you allowed them, are suggestions only.",
)
