"""Personal-data declarations of the rights_requests app (see ``compliance.registry``)."""

from django.utils.translation import gettext_noop

from compliance.registry import (
    PRIVACY_STAFF,
    Category,
    Delete,
    LawfulBasis,
    ModelDeclaration,
    PersonalField,
    Processing,
    Purpose,
    Redact,
    Retain,
    Worded,
)

from . import conf
from .models import PublicRequest, PublicRequestEvent, RequestEvent, RequestFile, RightsRequest

ACCOUNTABILITY = gettext_noop(
    "A record of data-rights requests and how they were answered is kept to demonstrate compliance "
    "(GDPR Art. 5(2)) and to defend legal claims (Art. 17(3)(e)); on erasure it keeps only the type, "
    "dates and outcome, linked to an anonymised account."
)

DECLARATIONS = [
    ModelDeclaration(
        model=RightsRequest,
        subject_lookup="subject",
        description=gettext_noop("Your data-rights requests"),
        listed_by="received_at",
        fields={
            "reference": PersonalField(
                Category.PREFERENCE, gettext_noop("The request's reference, e.g. DSR-2026-000123")
            ),
            "type": PersonalField(Category.PREFERENCE, gettext_noop("Which right you exercised")),
            "details": PersonalField(
                Category.PREFERENCE,
                gettext_noop("What you asked for, e.g. the corrections you proposed"),
                sensitive=True,
                free_text=True,
            ),
            "details_search": PersonalField(
                Category.PREFERENCE,
                gettext_noop(
                    "Keyed hashes of the words in what you asked for, through which erasure finds a name without "
                    "decrypting every request"
                ),
                exportable=False,
            ),
            "status": PersonalField(Category.PREFERENCE, gettext_noop("Where the request stands")),
            "received_at": PersonalField(Category.PREFERENCE, gettext_noop("When we received it")),
            "filed_by": PersonalField(
                Category.PREFERENCE,
                gettext_noop("Who filed it: you, or an authorised agent or a parent or guardian for you"),
                format=gettext_noop('"subject" (you), "agent" or "parent"'),
            ),
            "regime": PersonalField(
                Category.PREFERENCE,
                gettext_noop("The data-protection law we answered it under, from where you live"),
                format=gettext_noop('"gdpr", "uk_gdpr", "ccpa", "lgpd" or "default" (our standard)'),
            ),
            "due_at": PersonalField(Category.PREFERENCE, gettext_noop("When we must answer")),
            "extended_at": PersonalField(Category.PREFERENCE, gettext_noop("When the deadline was extended")),
            "extension_reason": PersonalField(
                Category.PREFERENCE, gettext_noop("Why we needed more time"), free_text=True
            ),
            "decision_reason": PersonalField(
                Category.PREFERENCE, gettext_noop("Why a request was declined"), free_text=True
            ),
            "completed_at": PersonalField(Category.PREFERENCE, gettext_noop("When it was completed")),
            "result": PersonalField(Category.PREFERENCE, gettext_noop("What we did, e.g. the receipt of an erasure")),
            "erasure_identifiers": PersonalField(
                Category.IDENTITY,
                gettext_noop(
                    "Your former email, username, name and phone, while our check after erasure still finds them "
                    "somewhere; deleted once none is left"
                ),
                exportable=False,
            ),
            "updated_at": PersonalField(Category.PREFERENCE, gettext_noop("When it last changed")),
        },
        other_fields=("id", "subject", "assignee", "progress_done", "progress_total", "lease_expires_at", "attempts"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=gettext_noop("6 years after the request is closed, to demonstrate compliance"),
        recipients=(PRIVACY_STAFF,),
        source=gettext_noop("You, when you filed the request, and our staff handling it"),
        erasure=Retain(
            reason=ACCOUNTABILITY,
            strip={"details": {}, "extension_reason": Redact(), "decision_reason": Redact(), "result": Redact()},
        ),
        export_name="data_rights_requests",
    ),
    ModelDeclaration(
        model=RequestEvent,
        subject_lookup="request__subject",
        description=gettext_noop("The history of your data-rights requests"),
        listed_by="created_at",
        fields={
            "action": PersonalField(Category.PREFERENCE, gettext_noop("What happened, e.g. approved")),
            "from_status": PersonalField(Category.PREFERENCE, gettext_noop("The status before")),
            "to_status": PersonalField(Category.PREFERENCE, gettext_noop("The status after")),
            "note": PersonalField(
                Category.PREFERENCE,
                gettext_noop("Notes and reasons written by staff"),
                free_text=True,
                in_words=RequestEvent.note_in_words,
            ),
            "created_at": PersonalField(Category.PREFERENCE, gettext_noop("When it happened")),
            "actor": PersonalField(Category.PREFERENCE, gettext_noop("Who acted: you, staff or the system")),
            "emailed_at": PersonalField(Category.PREFERENCE, gettext_noop("When we emailed you about it")),
        },
        other_fields=("id", "request"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=gettext_noop("As long as the request it belongs to"),
        recipients=(PRIVACY_STAFF,),
        source=gettext_noop("Recorded automatically as your request moves on"),
        erasure=Retain(reason=ACCOUNTABILITY, strip={"note": Redact()}),
        export_name="data_rights_request_history",
    ),
    ModelDeclaration(
        model=RequestFile,
        subject_lookup="request__subject",
        description=gettext_noop("The copies of your data we prepared for you to download"),
        listed_by="created_at",
        fields={
            "kind": PersonalField(Category.PREFERENCE, gettext_noop("What the file is, e.g. a report of your data")),
            "storage_name": PersonalField(
                Category.SECURITY, gettext_noop("The random name the file is stored under"), exportable=False
            ),
            "size": PersonalField(
                Category.PREFERENCE, gettext_noop("The size of the encrypted file, in bytes"), unit="bytes"
            ),
            "created_at": PersonalField(Category.PREFERENCE, gettext_noop("When we prepared it")),
            "expires_at": PersonalField(
                Category.PREFERENCE, gettext_noop("When it stops being downloadable and is deleted")
            ),
            "unavailable_since": PersonalField(
                Category.PREFERENCE,
                gettext_noop("When a download found the file missing or damaged, until we restored it"),
            ),
        },
        other_fields=("id", "request"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=gettext_noop("The file: 7 days, then deleted from storage; this record: as long as its request"),
        recipients=(),
        source=gettext_noop("Made by us from the data we hold about you, when you asked for a copy"),
        erasure=Delete(),
        export_name="prepared_copies",
    ),
    ModelDeclaration(
        model=PublicRequest,
        subject_lookup="subject",
        description=gettext_noop(
            "Your data-rights requests filed without signing in, by you or by an agent or parent for you"
        ),
        listed_by="created_at",
        fields={
            "email": PersonalField(
                Category.CONTACT,
                gettext_noop(
                    "The email address verified with a code: yours, or that of the agent or parent who filed for you"
                ),
            ),
            "type": PersonalField(Category.PREFERENCE, gettext_noop("Which right you exercised")),
            "details": PersonalField(
                Category.PREFERENCE, gettext_noop("What you asked for, e.g. a note"), sensitive=True, free_text=True
            ),
            "details_search": PersonalField(
                Category.PREFERENCE,
                gettext_noop("Keyed hashes of the words in what you asked for, through which erasure finds a name"),
                exportable=False,
            ),
            "language": PersonalField(Category.PREFERENCE, gettext_noop("The language you filled in the form in")),
            "status": PersonalField(Category.PREFERENCE, gettext_noop("Where the request stands")),
            "code_digest": PersonalField(
                Category.SECURITY,
                gettext_noop("A keyed hash of the code we emailed you, until you used it"),
                exportable=False,
            ),
            "code_expires_at": PersonalField(Category.SECURITY, gettext_noop("Until when that code works")),
            "code_attempts": PersonalField(Category.SECURITY, gettext_noop("How many wrong codes were typed")),
            "password_attempts": PersonalField(Category.SECURITY, gettext_noop("How many wrong passwords were typed")),
            "created_at": PersonalField(Category.PREFERENCE, gettext_noop("When you filled in the form")),
            "verified_at": PersonalField(Category.PREFERENCE, gettext_noop("When you confirmed the address")),
            "closed_at": PersonalField(Category.PREFERENCE, gettext_noop("When we answered")),
            "filed_by": PersonalField(
                Category.PREFERENCE,
                gettext_noop("Who filed it: you, or an authorised agent or a parent or guardian for you"),
                format=gettext_noop('"subject" (you), "agent" or "parent"'),
            ),
            # What an agent or parent gave (CCPA regs §7063, GDPR Art. 8): the learner is told who filed for
            # them (GDPR Art. 14(2)(f), 15(1)(g)); the signed authorisation itself stays out of reports and
            # copies (it is the filer's document, Art. 15(4)) and is deleted after the request.
            "agent_name": PersonalField(
                Category.IDENTITY,
                gettext_noop("The name of the agent or parent who filed it for you, as they gave it"),
                free_text=True,
            ),
            "learner_email": PersonalField(
                Category.CONTACT, gettext_noop("Your email address, as the agent or parent gave it")
            ),
            "authorisation": PersonalField(
                Category.IDENTITY,
                gettext_noop("The signed authorisation the agent or parent uploaded, stored encrypted"),
                exportable=False,
            ),
            "authorisation_type": PersonalField(
                Category.IDENTITY, gettext_noop("The kind of file of that authorisation: PDF, PNG or JPEG")
            ),
            "authorisation_size": PersonalField(
                Category.IDENTITY, gettext_noop("The size of that authorisation, in bytes"), unit="bytes"
            ),
            "authorisation_deleted_at": PersonalField(
                Category.IDENTITY, gettext_noop("When we deleted that authorisation")
            ),
            "authority_verified_at": PersonalField(
                Category.PREFERENCE, gettext_noop("When our staff verified the authority of the agent or parent")
            ),
            "objected_at": PersonalField(
                Category.PREFERENCE, gettext_noop("When you told us you had not authorised the request")
            ),
        },
        # The staff member who verified an agent's authority, as on the request's history.
        other_fields=("id", "subject", "rights_request", "authority_verified_by"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        # Its number is the setting's: the sentence is formatted in the reader's language when read.
        retention=Worded(
            gettext_noop(
                "Unconfirmed: one day. Without an account: one year after our answer. "
                "Filed for an account: until the account is erased; the request itself is kept as above. "
                "The signed authorisation of an agent or parent: deleted {days} days after the request is closed"
            ),
            days=conf.AUTHORISATION_KEEP_DAYS,
        ),
        recipients=(PRIVACY_STAFF,),
        source=gettext_noop(
            "You, or an agent or parent acting for you, when filling in the form for requests without signing in"
        ),
        erasure=Delete(),
        export_name="requests_without_sign_in",
    ),
    ModelDeclaration(
        model=PublicRequestEvent,
        subject_lookup="public_request__subject",
        description=gettext_noop("The history of your data-rights requests filed without signing in"),
        listed_by="created_at",
        fields={
            "action": PersonalField(Category.PREFERENCE, gettext_noop("What happened, e.g. address verified")),
            "note": PersonalField(
                Category.PREFERENCE,
                gettext_noop("Notes written by staff, e.g. how they verified the authority of who filed for you"),
                free_text=True,
            ),
            "created_at": PersonalField(Category.PREFERENCE, gettext_noop("When it happened")),
        },
        # The actor is staff answering a request made without an account, never one filed for an account.
        other_fields=("id", "public_request", "actor"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=gettext_noop("As long as the request it belongs to"),
        recipients=(PRIVACY_STAFF,),
        source=gettext_noop("Recorded automatically as your request moves on"),
        erasure=Delete(),
        export_name="requests_without_sign_in_history",
    ),
]

#: The sentences above, and the phrase the admin records for the learner's account activity, as staff read
#: them (``compliance.registry.in_staff_words``), marked for the catalogs.
STAFF_WORDING = (
    gettext_noop("The learner's data-rights requests"),
    gettext_noop("The history of the learner's data-rights requests"),
    gettext_noop("The copies of the learner's data we prepared for the learner to download"),
    gettext_noop(
        "The learner's data-rights requests filed without signing in, by the learner or by an agent or parent for "
        "the learner"
    ),
    gettext_noop("The history of the learner's data-rights requests filed without signing in"),
    gettext_noop("the learner's request and a summary of the learner's data"),
)
