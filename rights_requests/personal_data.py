"""Personal-data declarations of the rights_requests app (see ``privacy.registry``)."""

from privacy.registry import Category, LawfulBasis, ModelDeclaration, PersonalField, Processing, Purpose, Retain

from .models import RequestEvent, RightsRequest

ACCOUNTABILITY = (
    "A record of data-rights requests and how they were answered is kept to demonstrate compliance "
    "(GDPR Art. 5(2)) and to defend legal claims (Art. 17(3)(e)); on erasure it keeps only the type, "
    "dates and outcome, linked to an anonymised account."
)

DECLARATIONS = [
    ModelDeclaration(
        model=RightsRequest,
        subject_lookup="subject",
        description="Your data-rights requests",
        fields={
            "reference": PersonalField(Category.SECURITY, "The request's reference, e.g. DSR-2026-000123"),
            "type": PersonalField(Category.PREFERENCE, "Which right you exercised"),
            "details": PersonalField(Category.PREFERENCE, "What you asked for, e.g. the corrections you proposed"),
            "status": PersonalField(Category.PREFERENCE, "Where the request stands"),
            "received_at": PersonalField(Category.PREFERENCE, "When we received it"),
            "due_at": PersonalField(Category.PREFERENCE, "When we must answer"),
            "extended_at": PersonalField(Category.PREFERENCE, "When the deadline was extended"),
            "extension_reason": PersonalField(Category.PREFERENCE, "Why we needed more time"),
            "decision_reason": PersonalField(Category.PREFERENCE, "Why a request was declined"),
            "completed_at": PersonalField(Category.PREFERENCE, "When it was completed"),
            "updated_at": PersonalField(Category.PREFERENCE, "When it last changed"),
        },
        other_fields=("id", "subject", "assignee"),
        processing=(Processing(Purpose.SECURITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention="6 years after the request is closed, to demonstrate compliance",
        recipients=("Our support staff and privacy officer",),
        source="You, when you filed the request, and our staff handling it",
        erasure=Retain(reason=ACCOUNTABILITY, strip={"details": {}}),
    ),
    ModelDeclaration(
        model=RequestEvent,
        subject_lookup="request__subject",
        description="The history of your data-rights requests",
        fields={
            "action": PersonalField(Category.PREFERENCE, "What happened, e.g. approved"),
            "from_status": PersonalField(Category.PREFERENCE, "The status before"),
            "to_status": PersonalField(Category.PREFERENCE, "The status after"),
            "note": PersonalField(Category.PREFERENCE, "Notes and reasons written by staff"),
            "created_at": PersonalField(Category.PREFERENCE, "When it happened"),
            "actor": PersonalField(Category.PREFERENCE, "Who acted: you, staff or the system"),
        },
        other_fields=("id", "request"),
        processing=(Processing(Purpose.SECURITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention="As long as the request it belongs to",
        recipients=("Our support staff and privacy officer",),
        source="Recorded automatically as your request moves on",
        erasure=Retain(reason=ACCOUNTABILITY),
    ),
]
