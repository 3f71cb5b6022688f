"""Personal-data declarations of the audit log and of Django's admin log (see ``registry``)."""

from django.contrib.admin.models import LogEntry
from django.db.models.functions import Now
from django.utils.translation import gettext_noop
from django_tasks_db.models import DBTaskResult

from .models import AuditEvent
from .registry import (
    PRIVACY_OFFICER,
    PRIVACY_STAFF,
    Category,
    LawfulBasis,
    ModelDeclaration,
    PersonalField,
    Processing,
    Purpose,
    Redact,
    Retain,
    SharedText,
)
from .selectors import audit_event_description


def _changes_in_words(event):
    """Return an audit event's changes as the learner reads them on the Account activity page, or ""."""
    return audit_event_description(event) if event.changes else ""


DECLARATIONS = [
    ModelDeclaration(
        model=AuditEvent,
        subject_lookup="subject",
        description=gettext_noop(
            "The log of sign-ins, changes to your account and privacy settings, and staff access to your data"
        ),
        listed_by="created_at",
        fields={
            "action": PersonalField(Category.SECURITY, gettext_noop("What happened, e.g. visibility changed")),
            "changes": PersonalField(
                Category.SECURITY,
                gettext_noop("Which settings changed, old and new values"),
                in_words=_changes_in_words,
            ),
            "created_at": PersonalField(Category.SECURITY, gettext_noop("When it happened")),
            "actor": PersonalField(Category.SECURITY, gettext_noop("Who made the change: you, staff or the system")),
            "actor_role": PersonalField(Category.SECURITY, gettext_noop("In what role they acted, e.g. support team")),
            "network": PersonalField(
                Category.SECURITY,
                gettext_noop("The network you used, your IP address without its last part"),
                format=gettext_noop("IP network in CIDR notation, e.g. 203.0.113.0/24"),
            ),
            # Bookkeeping: a log's correlation key, and a time only erasure sets (no copy is made after it).
            "request_id": PersonalField(
                Category.SECURITY,
                gettext_noop("The code our logs use for the visit of a page that made the event"),
                portable=False,
            ),
            "pseudonymised_at": PersonalField(
                Category.SECURITY, gettext_noop("When the entry lost its link to you on erasure"), portable=False
            ),
        },
        other_fields=("id", "subject"),
        processing=(
            Processing(Purpose.SECURITY, LawfulBasis.LEGITIMATE_INTERESTS),
            Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),
        ),
        retention=(
            gettext_noop(
                "As long as we must be able to show how your data was handled (accountability); after erasure "
                "linked only to the anonymised account, without the network"
            )
        ),
        recipients=(PRIVACY_STAFF,),
        source=gettext_noop(
            "Recorded automatically when you sign in, when your account changes and when staff view your data"
        ),
        erasure=Retain(
            reason=(
                gettext_noop(
                    "The audit log shows that your data was handled lawfully, including your erasure "
                    "(GDPR Art. 5(2), 17(3)(e)); it keeps no name, email or address of yours."
                )
            ),
            strip={"network": "", "pseudonymised_at": Now()},
        ),
        export_name="activity_log",
    ),
    ModelDeclaration(
        model=LogEntry,
        subject_lookup="user",
        description=gettext_noop("Changes a staff member made in the admin site"),
        listed_by="action_time",
        fields={
            "action_time": PersonalField(Category.SECURITY, gettext_noop("When the staff member made the change")),
            "object_id": PersonalField(Category.SECURITY, gettext_noop("Which record was changed"), free_text=True),
            "object_repr": PersonalField(Category.SECURITY, gettext_noop("The changed record's name"), free_text=True),
            "action_flag": PersonalField(Category.SECURITY, gettext_noop("Whether it was added, changed or deleted")),
            "change_message": PersonalField(Category.SECURITY, gettext_noop("What was changed"), free_text=True),
        },
        other_fields=("id", "user", "content_type"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGITIMATE_INTERESTS),),
        retention=gettext_noop("6 years, for accountability of staff actions"),
        recipients=(PRIVACY_OFFICER,),
        source=gettext_noop("Recorded automatically when staff use the admin site"),
        erasure=Retain(
            reason=(
                gettext_noop(
                    "Records of staff actions are kept to demonstrate accountability "
                    "(GDPR Art. 5(2)) and to defend legal claims (Art. 17(3)(e))."
                )
            ),
            strip={"object_id": Redact(), "object_repr": Redact(), "change_message": Redact()},
        ),
        export_name="admin_changes",
    ),
]

#: The task queue's record of a failed task: its traceback may quote an address a mail server
#: refused. The erasure receipt's scan searches it in every row (indexes: migration 0003).
SHARED_TEXT = [SharedText(DBTaskResult, ("traceback",), written_by=gettext_noop("The task worker, when a task fails"))]

#: The sentences above and the audit log's fallback phrase as staff read them (``registry.in_staff_words``),
#: marked for the catalogs.
STAFF_WORDING = (
    gettext_noop(
        "The log of sign-ins, changes to the learner's account and privacy settings, and staff access to the "
        "learner's data"
    ),
    gettext_noop(
        "The audit log shows that the learner's data was handled lawfully, including the learner's erasure "
        "(GDPR Art. 5(2), 17(3)(e)); it keeps no name, email or address of the learner's."
    ),
    gettext_noop("the learner's data"),
)
