"""Personal-data declarations of the privacy app (see ``compliance.registry``)."""

from django.utils.text import capfirst

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
)


def _purpose_in_words(consent):
    """Return a consent's purpose as the Privacy tab's consent history names it, e.g. "Marketing email"."""
    return capfirst(consent.get_purpose_display())


def _choice_in_words(consent):
    """Return a consent's choice as the Privacy tab's consent history says it: "On" or "Off"."""
    return "On" if consent.granted else "Off"


DECLARATIONS = [
    ModelDeclaration(
        model=PolicyAcknowledgement,
        subject_lookup="user",
        description="The privacy-policy updates you confirmed",
        listed_by="created_at",
        fields={"created_at": PersonalField(Category.PREFERENCE, "When you confirmed the update")},
        other_fields=("id", "user", "policy"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention="As long as your consents it confirmed may need to be shown (GDPR Art. 7(1))",
        recipients=(PRIVACY_OFFICER,),
        source="You, when you confirmed an updated privacy policy",
        erasure=Retain(reason="Part of the proof of consent (GDPR Art. 7(1)); linked only to an anonymised account."),
        export_name="policy_confirmations",
    ),
    ModelDeclaration(
        model=ProcessingRestriction,
        subject_lookup="user",
        description="Restrictions of processing you asked for",
        listed_by="started_at",
        fields={
            "reason": PersonalField(Category.PREFERENCE, "Why processing is restricted", free_text=True),
            "started_at": PersonalField(Category.PREFERENCE, "When the restriction began"),
            "lifted_at": PersonalField(Category.PREFERENCE, "When it was lifted"),
            "started_by": PersonalField(Category.PREFERENCE, "Who recorded it: you or staff"),
        },
        other_fields=("id", "user"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=WHILE_ACCOUNT_EXISTS,
        recipients=(PRIVACY_STAFF,),
        source="Your restriction request, or staff acting on it",
        erasure=Delete(),
        export_name="processing_restrictions",
    ),
    ModelDeclaration(
        model=ProcessingRun,
        subject_lookup="actor",
        description="Runs of digests and exports a staff member started",
        listed_by="created_at",
        fields={
            "kind": PersonalField(Category.SECURITY, "Which job ran"),
            "parameters": PersonalField(Category.SECURITY, "What it was run for, e.g. a partner"),
            "included": PersonalField(Category.SECURITY, "How many learners it included", unit="learners"),
            "excluded": PersonalField(Category.SECURITY, "How many it left out", unit="learners"),
            "created_at": PersonalField(Category.SECURITY, "When it ran"),
        },
        other_fields=("id", "actor"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGITIMATE_INTERESTS),),
        retention="6 years, for accountability",
        recipients=(PRIVACY_OFFICER,),
        source="Recorded automatically when staff run a digest or an export",
        erasure=Retain(reason="Accountability of processing (GDPR Art. 5(2)); it names no learner."),
        export_name="processing_runs",
    ),
    ModelDeclaration(
        model=Consent,
        subject_lookup="user",
        description="Your consents: what you agreed to, when and how",
        listed_by="created_at",
        fields={
            "purpose": PersonalField(
                Category.PREFERENCE, "The use of your data you decided on", in_words=_purpose_in_words
            ),
            "granted": PersonalField(Category.PREFERENCE, "Whether you agreed or withdrew", in_words=_choice_in_words),
            "policy_version": PersonalField(Category.PREFERENCE, "The privacy policy version in force then"),
            "source": PersonalField(Category.PREFERENCE, "Where you decided, e.g. the Privacy tab"),
            "note": PersonalField(Category.PREFERENCE, "Why staff recorded it for you, if they did", free_text=True),
            "actor": PersonalField(Category.PREFERENCE, "Who recorded it: you or staff"),
            "created_at": PersonalField(Category.PREFERENCE, "When"),
        },
        other_fields=("id", "user"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention="As long as we may need to show that processing had your consent (GDPR Art. 7(1))",
        recipients=(PRIVACY_OFFICER,),
        source="You, on the Privacy tab, at sign-up, by an unsubscribe link or a request",
        erasure=Retain(
            reason=(
                "Proof of consent must be kept to demonstrate that past processing was lawful "
                "(GDPR Art. 7(1), 17(3)(e)); on erasure it stays linked only to an anonymised account."
            ),
            strip={"note": Redact()},
        ),
        erasure_passes_trigger="append_only",
        export_name="consents",
    ),
    ModelDeclaration(
        model=ProfileVisibility,
        subject_lookup="user",
        description="Who can see each part of your profile",
        fields={
            name: PersonalField(Category.PREFERENCE, f"Who can see your {label}")
            for name, label in [
                ("full_name", "full name"),
                ("photo", "photo"),
                ("bio", "bio"),
                ("country", "country"),
                ("education", "education and occupation"),
                ("courses", "courses"),
                ("accomplishments", "accomplishments"),
            ]
        }
        | {
            "reviewed_at": PersonalField(Category.PREFERENCE, "When you last reviewed these settings"),
            "updated_at": PersonalField(Category.PREFERENCE, "When these settings last changed"),
        },
        other_fields=("id", "user"),
        processing=(Processing(Purpose.PROFILE_SHARING, LawfulBasis.CONSENT),),
        retention=WHILE_ACCOUNT_EXISTS,
        recipients=(),
        source="You, on the Privacy tab",
        erasure=Delete(),
        export_name="profile_visibility",
    ),
]

#: The policies' text, about no learner, where a writer may still name one: the erasure receipt's
#: scan searches it in every row.
SHARED_TEXT = [SharedText(PolicyVersion, ("version", "summary", "text"), written_by=PRIVACY_OFFICER)]
