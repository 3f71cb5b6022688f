"""Personal-data declarations of the privacy app (see ``compliance.registry``)."""

from accounts.models import TOTPDevice
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
)

from .models import (
    BackupCode,
    BackupCodeDevice,
    Consent,
    PolicyAcknowledgement,
    ProcessingRestriction,
    ProcessingRun,
    ProfileVisibility,
)

TWO_FACTOR = Processing(Purpose.SECURITY, LawfulBasis.LEGITIMATE_INTERESTS)
WHILE_ON = "While two-factor authentication is on; deleted when you turn it off or erase your account"
#: django-otp's ThrottlingMixin fields, on every device that checks codes.
THROTTLING_FIELDS = {
    "throttling_failure_timestamp": PersonalField(Category.SECURITY, "When a wrong code was last entered"),
    "throttling_failure_count": PersonalField(Category.SECURITY, "How many wrong codes in a row"),
}
MADE_AT_SETUP = "Made for you when you turn on two-factor authentication"

DECLARATIONS = [
    ModelDeclaration(
        model=PolicyAcknowledgement,
        subject_lookup="user",
        description="The privacy-policy updates you confirmed",
        fields={"created_at": PersonalField(Category.PREFERENCE, "When you confirmed the update")},
        other_fields=("id", "user", "policy"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention="As long as your consents it confirmed may need to be shown (GDPR Art. 7(1))",
        recipients=(PRIVACY_OFFICER,),
        source="You, when you confirmed an updated privacy policy",
        erasure=Retain(reason="Part of the proof of consent (GDPR Art. 7(1)); linked only to an anonymised account."),
    ),
    ModelDeclaration(
        model=ProcessingRestriction,
        subject_lookup="user",
        description="Restrictions of processing you asked for",
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
    ),
    ModelDeclaration(
        model=ProcessingRun,
        subject_lookup="actor",
        description="Runs of digests and exports a staff member started",
        fields={
            "kind": PersonalField(Category.SECURITY, "Which job ran"),
            "parameters": PersonalField(Category.SECURITY, "What it was run for, e.g. a partner"),
            "included": PersonalField(Category.SECURITY, "How many learners it included"),
            "excluded": PersonalField(Category.SECURITY, "How many it left out"),
            "created_at": PersonalField(Category.SECURITY, "When it ran"),
        },
        other_fields=("id", "actor"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGITIMATE_INTERESTS),),
        retention="6 years, for accountability",
        recipients=(PRIVACY_OFFICER,),
        source="Recorded automatically when staff run a digest or an export",
        erasure=Retain(reason="Accountability of processing (GDPR Art. 5(2)); it names no learner."),
    ),
    ModelDeclaration(
        model=Consent,
        subject_lookup="user",
        description="Your consents: what you agreed to, when and how",
        fields={
            "purpose": PersonalField(Category.PREFERENCE, "The use of your data you decided on"),
            "granted": PersonalField(Category.PREFERENCE, "Whether you agreed or withdrew"),
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
    ),
    ModelDeclaration(
        model=TOTPDevice,
        subject_lookup="user",
        description="Your authenticator app for two-factor sign-in",
        fields={
            "name": PersonalField(Category.SECURITY, "The name of your authenticator device"),
            "confirmed": PersonalField(Category.SECURITY, "Whether you finished setting it up"),
            "key": PersonalField(
                Category.SECURITY, "The secret your app shares with us", exportable=False, sensitive=True
            ),
            "created_at": PersonalField(Category.SECURITY, "When you set it up"),
            "last_used_at": PersonalField(Category.SECURITY, "When you last signed in with it"),
            "last_t": PersonalField(Category.SECURITY, "The last time step used, to refuse replayed codes"),
            "drift": PersonalField(Category.SECURITY, "How far your app's clock is off"),
        }
        | THROTTLING_FIELDS,
        other_fields=("id", "user", "step", "t0", "digits", "tolerance"),
        processing=(TWO_FACTOR,),
        retention=WHILE_ON,
        recipients=(),
        source="You, when you set up two-factor authentication",
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=BackupCodeDevice,
        subject_lookup="user",
        description="Your set of backup codes",
        fields={
            "name": PersonalField(Category.SECURITY, "The name of the set"),
            "confirmed": PersonalField(Category.SECURITY, "Whether the set is active"),
        }
        | THROTTLING_FIELDS,
        other_fields=("id", "user"),
        processing=(TWO_FACTOR,),
        retention=WHILE_ON,
        recipients=(),
        source=MADE_AT_SETUP,
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=BackupCode,
        subject_lookup="device__user",
        description="Your backup codes (only a one-way fingerprint of each is kept)",
        fields={
            "salt": PersonalField(Category.SECURITY, "Random data mixed into the fingerprint", exportable=False),
            "digest": PersonalField(Category.SECURITY, "A one-way fingerprint of the code", exportable=False),
            "used_at": PersonalField(Category.SECURITY, "When you used the code"),
        },
        other_fields=("id", "device"),
        processing=(TWO_FACTOR,),
        retention=WHILE_ON,
        recipients=(),
        source=MADE_AT_SETUP,
        erasure=Delete(),
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
    ),
]
