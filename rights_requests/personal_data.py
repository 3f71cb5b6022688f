"""Personal-data declarations of the rights_requests app (see ``compliance.registry``)."""

from django.utils.translation import gettext_lazy as _

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
)

from .models import PublicRequest, PublicRequestEvent, RequestEvent, RequestFile, RightsRequest

ACCOUNTABILITY = _(
    "A record of data-rights requests and how they were answered is kept to demonstrate compliance "
    "(GDPR Art. 5(2)) and to defend legal claims (Art. 17(3)(e)); on erasure it keeps only the type, "
    "dates and outcome, linked to an anonymised account."
)

DECLARATIONS = [
    ModelDeclaration(
        model=RightsRequest,
        subject_lookup="subject",
        description=_("Your data-rights requests"),
        listed_by="received_at",
        fields={
            "reference": PersonalField(Category.PREFERENCE, _("The request's reference, e.g. DSR-2026-000123")),
            "type": PersonalField(Category.PREFERENCE, _("Which right you exercised")),
            "details": PersonalField(
                Category.PREFERENCE,
                _("What you asked for, e.g. the corrections you proposed"),
                sensitive=True,
                free_text=True,
            ),
            "details_search": PersonalField(
                Category.PREFERENCE,
                _(
                    "Keyed hashes of the words in what you asked for, through which erasure finds a name without "
                    "decrypting every request"
                ),
                exportable=False,
            ),
            "status": PersonalField(Category.PREFERENCE, _("Where the request stands")),
            "received_at": PersonalField(Category.PREFERENCE, _("When we received it")),
            "regime": PersonalField(
                Category.PREFERENCE,
                _("The data-protection law we answered it under, from where you live"),
                format=_('"gdpr", "uk_gdpr", "ccpa", "lgpd" or "default" (our standard)'),
            ),
            "due_at": PersonalField(Category.PREFERENCE, _("When we must answer")),
            "extended_at": PersonalField(Category.PREFERENCE, _("When the deadline was extended")),
            "extension_reason": PersonalField(Category.PREFERENCE, _("Why we needed more time"), free_text=True),
            "decision_reason": PersonalField(Category.PREFERENCE, _("Why a request was declined"), free_text=True),
            "completed_at": PersonalField(Category.PREFERENCE, _("When it was completed")),
            "result": PersonalField(Category.PREFERENCE, _("What we did, e.g. the receipt of an erasure")),
            "erasure_identifiers": PersonalField(
                Category.IDENTITY,
                _(
                    "Your former email, username, name and phone, while our check after erasure still finds them "
                    "somewhere; deleted once none is left"
                ),
                exportable=False,
            ),
            "updated_at": PersonalField(Category.PREFERENCE, _("When it last changed")),
        },
        other_fields=("id", "subject", "assignee", "progress_done", "progress_total", "lease_expires_at", "attempts"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=_("6 years after the request is closed, to demonstrate compliance"),
        recipients=(PRIVACY_STAFF,),
        source=_("You, when you filed the request, and our staff handling it"),
        erasure=Retain(
            reason=ACCOUNTABILITY,
            strip={"details": {}, "extension_reason": Redact(), "decision_reason": Redact(), "result": Redact()},
        ),
        export_name="data_rights_requests",
    ),
    ModelDeclaration(
        model=RequestEvent,
        subject_lookup="request__subject",
        description=_("The history of your data-rights requests"),
        listed_by="created_at",
        fields={
            "action": PersonalField(Category.PREFERENCE, _("What happened, e.g. approved")),
            "from_status": PersonalField(Category.PREFERENCE, _("The status before")),
            "to_status": PersonalField(Category.PREFERENCE, _("The status after")),
            "note": PersonalField(Category.PREFERENCE, _("Notes and reasons written by staff"), free_text=True),
            "created_at": PersonalField(Category.PREFERENCE, _("When it happened")),
            "actor": PersonalField(Category.PREFERENCE, _("Who acted: you, staff or the system")),
            "emailed_at": PersonalField(Category.PREFERENCE, _("When we emailed you about it")),
        },
        other_fields=("id", "request"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=_("As long as the request it belongs to"),
        recipients=(PRIVACY_STAFF,),
        source=_("Recorded automatically as your request moves on"),
        erasure=Retain(reason=ACCOUNTABILITY, strip={"note": Redact()}),
        export_name="data_rights_request_history",
    ),
    ModelDeclaration(
        model=RequestFile,
        subject_lookup="request__subject",
        description=_("The copies of your data we prepared for you to download"),
        listed_by="created_at",
        fields={
            "kind": PersonalField(Category.PREFERENCE, _("What the file is, e.g. a report of your data")),
            "storage_name": PersonalField(
                Category.SECURITY, _("The random name the file is stored under"), exportable=False
            ),
            "size": PersonalField(Category.PREFERENCE, _("The size of the encrypted file, in bytes"), unit="bytes"),
            "created_at": PersonalField(Category.PREFERENCE, _("When we prepared it")),
            "expires_at": PersonalField(Category.PREFERENCE, _("When it stops being downloadable and is deleted")),
            "unavailable_since": PersonalField(
                Category.PREFERENCE, _("When a download found the file missing or damaged, until we restored it")
            ),
        },
        other_fields=("id", "request"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=_("The file: 7 days, then deleted from storage; this record: as long as its request"),
        recipients=(),
        source=_("Made by us from the data we hold about you, when you asked for a copy"),
        erasure=Delete(),
        export_name="prepared_copies",
    ),
    ModelDeclaration(
        model=PublicRequest,
        subject_lookup="subject",
        description=_("Your data-rights requests filed without signing in, with the address you verified"),
        listed_by="created_at",
        fields={
            "email": PersonalField(Category.CONTACT, _("The email address you verified with a code")),
            "type": PersonalField(Category.PREFERENCE, _("Which right you exercised")),
            "details": PersonalField(
                Category.PREFERENCE, _("What you asked for, e.g. a note"), sensitive=True, free_text=True
            ),
            "details_search": PersonalField(
                Category.PREFERENCE,
                _("Keyed hashes of the words in what you asked for, through which erasure finds a name"),
                exportable=False,
            ),
            "language": PersonalField(Category.PREFERENCE, _("The language you filled in the form in")),
            "status": PersonalField(Category.PREFERENCE, _("Where the request stands")),
            "code_digest": PersonalField(
                Category.SECURITY, _("A keyed hash of the code we emailed you, until you used it"), exportable=False
            ),
            "code_expires_at": PersonalField(Category.SECURITY, _("Until when that code works")),
            "code_attempts": PersonalField(Category.SECURITY, _("How many wrong codes were typed")),
            "password_attempts": PersonalField(Category.SECURITY, _("How many wrong passwords were typed")),
            "created_at": PersonalField(Category.PREFERENCE, _("When you filled in the form")),
            "verified_at": PersonalField(Category.PREFERENCE, _("When you confirmed the address")),
            "closed_at": PersonalField(Category.PREFERENCE, _("When we answered")),
        },
        other_fields=("id", "subject", "rights_request"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=_(
            "Unconfirmed: one day. Without an account: one year after our answer. "
            "Filed for an account: until the account is erased; the request itself is kept as above"
        ),
        recipients=(PRIVACY_STAFF,),
        source=_("You, when you filled in the form at /privacy/request/"),
        erasure=Delete(),
        export_name="requests_without_sign_in",
    ),
    ModelDeclaration(
        model=PublicRequestEvent,
        subject_lookup="public_request__subject",
        description=_("The history of your data-rights requests filed without signing in"),
        listed_by="created_at",
        fields={
            "action": PersonalField(Category.PREFERENCE, _("What happened, e.g. address verified")),
            "created_at": PersonalField(Category.PREFERENCE, _("When it happened")),
        },
        # The actor is staff answering a request made without an account, never one filed for an account.
        other_fields=("id", "public_request", "actor"),
        processing=(Processing(Purpose.ACCOUNTABILITY, LawfulBasis.LEGAL_OBLIGATION),),
        retention=_("As long as the request it belongs to"),
        recipients=(PRIVACY_STAFF,),
        source=_("Recorded automatically as your request moves on"),
        erasure=Delete(),
        export_name="requests_without_sign_in_history",
    ),
]
