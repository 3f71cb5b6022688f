"""Personal-data declarations of the privacy app and of Django's own apps (see ``registry``)."""

from django.contrib.admin.models import LogEntry

from .models import AuditEvent, ProfileVisibility
from .registry import Category, Delete, LawfulBasis, ModelDeclaration, PersonalField, Processing, Purpose, Retain

DECLARATIONS = [
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
        retention="While your account exists; erased with it",
        recipients=(),
        source="You, on the Privacy tab",
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=AuditEvent,
        subject_lookup="subject",
        description="The log of changes to your account and privacy settings",
        fields={
            "action": PersonalField(Category.SECURITY, "What happened, e.g. visibility changed"),
            "changes": PersonalField(Category.SECURITY, "Which settings changed, old and new values"),
            "created_at": PersonalField(Category.SECURITY, "When it happened"),
            "actor": PersonalField(Category.SECURITY, "Who made the change: you, staff or the system"),
        },
        other_fields=("id", "subject"),
        processing=(Processing(Purpose.SECURITY, LawfulBasis.LEGITIMATE_INTERESTS),),
        retention="While your account exists; erased with it",
        recipients=("Our support staff and privacy officer",),
        source="Recorded automatically when your account changes",
        erasure=Delete(),
    ),
    ModelDeclaration(
        model=LogEntry,
        subject_lookup="user",
        description="Changes a staff member made in the admin site",
        fields={
            "action_time": PersonalField(Category.SECURITY, "When the staff member made the change"),
            "object_id": PersonalField(Category.SECURITY, "Which record was changed"),
            "object_repr": PersonalField(Category.SECURITY, "The changed record's name"),
            "action_flag": PersonalField(Category.SECURITY, "Whether it was added, changed or deleted"),
            "change_message": PersonalField(Category.SECURITY, "What was changed"),
        },
        other_fields=("id", "user", "content_type"),
        processing=(Processing(Purpose.SECURITY, LawfulBasis.LEGITIMATE_INTERESTS),),
        retention="6 years, for accountability of staff actions",
        recipients=("Our privacy officer",),
        source="Recorded automatically when staff use the admin site",
        erasure=Retain(
            reason=(
                "Records of staff actions are kept to demonstrate accountability "
                "(GDPR Art. 5(2)) and to defend legal claims (Art. 17(3)(e))."
            ),
        ),
    ),
]
