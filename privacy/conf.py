"""Settings of the privacy app, with their defaults. Override in Django settings (prefix ``PRIVACY_``).

Each is read when used: ``conf.NAME`` is ``settings.PRIVACY_NAME`` if set, else the default below.
"""

from django.utils.translation import gettext_lazy as _

from learnerportal.conf import AppSettings


class PrivacySettings(AppSettings):
    """The privacy app's settings and their defaults."""

    prefix = "PRIVACY_"

    #: The version of the privacy policy a consent given now refers to.
    POLICY_VERSION = "2026-11"
    #: Groups of fewer learners than this are suppressed from the research dataset.
    RESEARCH_MIN_GROUP_SIZE = 10
    #: Below this age (in years) a learner cannot make profile fields public or grant optional purposes
    #: (GDPR Art. 8(1)).
    DIGITAL_CONSENT_AGE = 16
    #: The dashboard suggests a privacy checkup when the last review is older than this many days.
    CHECKUP_AFTER_DAYS = 180
    #: Seconds the shared cache keeps what a visitor, or a signed-in learner, sees of a learner's profile.
    #: Every change to it drops it at once; this bounds only what no learner's change touches (a course renamed).
    PUBLIC_PROFILE_CACHE_SECONDS = 600

    # What the privacy notice (GDPR Art. 13) and the access report (Art. 15) say of the operator.
    # Set them to the operator's own: the defaults describe the demo site.

    #: The controller: who decides why and how learners' data is processed, and how to reach them (Art. 13(1)(a)).
    CONTROLLER = _("Learner Portal, the operator of this site: privacy@learnerportal.example")
    #: How to reach the data protection officer (Art. 13(1)(b), 37(7)).
    DPO_CONTACT = "dpo@learnerportal.example"
    #: Whether decisions about learners are made by automated means alone (Art. 13(2)(f), 15(1)(h), 22).
    AUTOMATED_DECISIONS_STATEMENT = _(
        "We make no decision about you based solely on automated processing that has legal or similarly "
        "significant effects. Course recommendations, if you allowed them, are suggestions only."
    )


__getattr__ = PrivacySettings.read
