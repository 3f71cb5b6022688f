"""Personal-data declarations of the privacy app (see ``compliance.registry``)."""

from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop

from compliance.registry import (
    PRIVACY_OFFICER,
    PRIVACY_STAFF,
    WHILE_ACCOUNT_EXISTS,
    Category,
    Delete,
    LawfulBasis,
    ModelDeclaration,
    PersonalField,
    Processing,
    Purpose,
    Redact,
    Retain,
    SharedText,
)

from .models import (
    Consent,
    PolicyAcknowledgement,
    PolicyVersion,
    ProcessingRestriction,
    ProcessingRun,
    ProfileVisibility,
    SensitiveInformationLimit,
)


def _purpose_in_words(consent):
    """Return a consent's purpose as the Privacy tab's consent history names it, e.g. "Marketing email"."""
    return capfirst(consent.get_purpose_display())


def _choice_in_words(consent):
    """Return a consent's choice as the Privacy tab's consent history says it: "On" or "Off"."""
    return gettext("On") if consent.granted else gettext("Off")


DECLARATIONS = [
    ModelDeclaration(
        model=PolicyAcknowledgement,
        subject_lookup="user",
        description=gettext_noop("The privacy-policy updates you confirmed"),
        listed_by="created_at",
        fields={"created_at": PersonalField(Category.PREFERENCE, gettext_noop("When you confirmed the update"))},
        other_fields=("id", "user", "policy"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=gettext_noop("As long as your consents it confirmed may need to be shown (GDPR Art. 7(1))"),
        recipients=(PRIVACY_OFFICER,),
        source=gettext_noop("You, when you confirmed an updated privacy policy"),
        erasure=Retain(
            reason=gettext_noop("Part of the proof of consent (GDPR Art. 7(1)); linked only to an anonymised account.")
        ),
        export_name="policy_confirmations",
    ),
    ModelDeclaration(
        model=ProcessingRestriction,
        subject_lookup="user",
        description=gettext_noop("Restrictions of processing you asked for"),
        listed_by="started_at",
        fields={
            "reason": PersonalField(Category.PREFERENCE, gettext_noop("Why processing is restricted"), free_text=True),
            "started_at": PersonalField(Category.PREFERENCE, gettext_noop("When the restriction began")),
            "lifted_at": PersonalField(Category.PREFERENCE, gettext_noop("When it was lifted")),
            "started_by": PersonalField(Category.PREFERENCE, gettext_noop("Who recorded it: you or staff")),
        },
        other_fields=("id", "user"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=WHILE_ACCOUNT_EXISTS,
        recipients=(PRIVACY_STAFF,),
        source=gettext_noop("Your restriction request, or staff acting on it"),
        erasure=Delete(),
        export_name="processing_restrictions",
    ),
    ModelDeclaration(
        model=SensitiveInformationLimit,
        subject_lookup="user",
        description=gettext_noop("Your limit on the use of your sensitive personal information"),
        fields={
            "reference": PersonalField(Category.PREFERENCE, gettext_noop("The request you asked for it in")),
            "created_at": PersonalField(Category.PREFERENCE, gettext_noop("When you set the limit")),
        },
        other_fields=("id", "user"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=WHILE_ACCOUNT_EXISTS,
        recipients=(PRIVACY_STAFF,),
        source=gettext_noop("Your request to limit the use of your sensitive personal information"),
        erasure=Delete(),
        export_name="sensitive_information_limits",
    ),
    ModelDeclaration(
        model=ProcessingRun,
        subject_lookup="actor",
        description=gettext_noop("Runs of digests and exports a staff member started"),
        listed_by="created_at",
        fields={
            "kind": PersonalField(Category.SECURITY, gettext_noop("Which job ran")),
            "parameters": PersonalField(Category.SECURITY, gettext_noop("What it was run for, e.g. a partner")),
            "included": PersonalField(
                Category.SECURITY, gettext_noop("How many learners it included"), unit=gettext_noop("learners")
            ),
            "excluded": PersonalField(
                Category.SECURITY, gettext_noop("How many it left out"), unit=gettext_noop("learners")
            ),
            "created_at": PersonalField(Category.SECURITY, gettext_noop("When it ran")),
        },
        other_fields=("id", "actor"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGITIMATE_INTERESTS),),
        retention=gettext_noop("6 years, for accountability"),
        recipients=(PRIVACY_OFFICER,),
        source=gettext_noop("Recorded automatically when staff run a digest or an export"),
        erasure=Retain(reason=gettext_noop("Accountability of processing (GDPR Art. 5(2)); it names no learner.")),
        export_name="processing_runs",
    ),
    ModelDeclaration(
        model=Consent,
        subject_lookup="user",
        description=gettext_noop("Your consents: what you agreed to, when and how"),
        listed_by="created_at",
        fields={
            "purpose": PersonalField(
                Category.PREFERENCE, gettext_noop("The use of your data you decided on"), in_words=_purpose_in_words
            ),
            "granted": PersonalField(
                Category.PREFERENCE, gettext_noop("Whether you agreed or withdrew"), in_words=_choice_in_words
            ),
            "policy_version": PersonalField(
                Category.PREFERENCE, gettext_noop("The privacy policy version in force then")
            ),
            "source": PersonalField(Category.PREFERENCE, gettext_noop("Where you decided, e.g. the Privacy tab")),
            "note": PersonalField(
                Category.PREFERENCE, gettext_noop("Why staff recorded it for you, if they did"), free_text=True
            ),
            "actor": PersonalField(Category.PREFERENCE, gettext_noop("Who recorded it: you or staff")),
            "created_at": PersonalField(Category.PREFERENCE, gettext_noop("When")),
        },
        other_fields=("id", "user"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=gettext_noop("As long as we may need to show that processing had your consent (GDPR Art. 7(1))"),
        recipients=(PRIVACY_OFFICER,),
        source=gettext_noop("You, on the Privacy tab, at sign-up, by an unsubscribe link or a request"),
        erasure=Retain(
            reason=(
                gettext_noop(
                    "Proof of consent must be kept to demonstrate that past processing was lawful "
                    "(GDPR Art. 7(1), 17(3)(e)); on erasure it stays linked only to an anonymised account."
                )
            ),
            strip={"note": Redact()},
        ),
        erasure_passes_trigger="append_only",
        export_name="consents",
    ),
    ModelDeclaration(
        model=ProfileVisibility,
        subject_lookup="user",
        description=gettext_noop("Who can see each part of your profile"),
        fields={
            name: PersonalField(Category.PREFERENCE, description)
            for name, description in [
                ("full_name", gettext_noop("Who can see your full name")),
                ("photo", gettext_noop("Who can see your photo")),
                ("bio", gettext_noop("Who can see your bio")),
                ("country", gettext_noop("Who can see your country")),
                ("education", gettext_noop("Who can see your education and occupation")),
                ("courses", gettext_noop("Who can see your courses")),
                ("accomplishments", gettext_noop("Who can see your accomplishments")),
            ]
        }
        | {
            "reviewed_at": PersonalField(Category.PREFERENCE, gettext_noop("When you last reviewed these settings")),
            "updated_at": PersonalField(Category.PREFERENCE, gettext_noop("When these settings last changed")),
        },
        other_fields=("id", "user"),
        processing=(Processing(Purpose.PROFILE_SHARING, LawfulBasis.CONSENT),),
        retention=WHILE_ACCOUNT_EXISTS,
        recipients=(),
        source=gettext_noop("You, on the Privacy tab"),
        erasure=Delete(),
        export_name="profile_visibility",
    ),
]

#: The policies' text, about no learner, where a writer may still name one: the erasure receipt's
#: scan searches it in every row.
SHARED_TEXT = [SharedText(PolicyVersion, ("version", "summary", "text"), written_by=PRIVACY_OFFICER)]

#: The sentences above, and the phrases the admin records for the learner's account activity, as staff read
#: them (``compliance.registry.in_staff_words``), marked for the catalogs.
STAFF_WORDING = (
    gettext_noop("The privacy-policy updates the learner confirmed"),
    gettext_noop("Restrictions of processing the learner asked for"),
    gettext_noop("The learner's limit on the use of the learner's sensitive personal information"),
    gettext_noop("The learner's consents: what the learner agreed to, when and how"),
    gettext_noop("Who can see each part of the learner's profile"),
    gettext_noop("the learner's restriction of processing"),
    gettext_noop("a record of a job the learner ran"),
)
