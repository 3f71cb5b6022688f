"""Data-subject rights requests (GDPR Art. 15–21) and their event log."""

import re
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from compliance.regimes import RegimeKey
from compliance.search import (
    SearchTokensField,
    SearchTokensModel,
    free_text_indexes,
    search_tokens_indexes,
    search_tokens_trigger,
)
from learnerportal.encryption import EncryptedJSONField

from . import request_types


class Status(models.TextChoices):
    """Where a request stands. See ``rights_requests.workflow`` for the allowed transitions."""

    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting identity verification")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    PROCESSING = "processing", _("Being processed")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    FAILED = "failed", _("Failed — our staff will retry")
    COMPLETED_WITH_FINDINGS = "completed_with_findings", _("Completed — our team is removing a few leftovers")


class Filer(models.TextChoices):
    """Who filed a request: the data subject, or someone acting for them with a signed authorisation.

    An authorised agent (Cal. Code Regs. tit. 11 §7063; under the GDPR, a representative the
    data subject chose), or a parent or guardian of a learner under the digital age of consent
    (GDPR Art. 8(1); 13 in the UK, Data Protection Act 2018 s. 9). Their requests come through
    ``/privacy/request/`` (``rights_requests.agents``).
    """

    SUBJECT = "subject", _("The learner")
    AGENT = "agent", _("An authorised agent")
    PARENT = "parent", _("A parent or guardian")


#: Who files for someone else: their requests wait for staff to verify the agent's authority and the learner.
FOR_SOMEONE = (Filer.AGENT, Filer.PARENT)


#: Statuses of a request that is still being handled; at most one per learner and type.
OPEN_STATUSES = (
    Status.AWAITING_VERIFICATION,
    Status.AWAITING_APPROVAL,
    Status.APPROVED,
    Status.PROCESSING,
    Status.FAILED,
    # An erasure is not finished while its receipt scan finds an identifier (GDPR Art. 17(1)).
    Status.COMPLETED_WITH_FINDINGS,
)


def open_first():
    """Return the expression that sorts open requests (0) before closed ones (1).

    The staff queue orders by it, then ``due_at`` and ``reference``; the index
    ``rr_queue_order`` holds exactly that order, so a page of the queue is read from
    the index instead of sorting every request.
    """
    return models.Case(models.When(status__in=OPEN_STATUSES, then=models.Value(0)), default=models.Value(1))


class RightsRequest(SearchTokensModel):
    """One request by a data subject to exercise a right.

    ``received_at`` never changes; ``regime`` is the data-protection law that applied
    to the learner when they filed it (``compliance.regimes``), and ``due_at`` the end
    of that law's period (one calendar month under the GDPR, 45 days under the CCPA,
    15 under the LGPD), which may be extended once as that law allows
    (``extended_at`` and ``extension_reason`` are then set).
    ``type`` is one of the registered request types (``rights_requests.handlers``);
    ``details`` is what its handler's ``clean_details`` returned, e.g.
    ``{"changes": {field: new value}, "note": str}`` for rectification. It is
    encrypted at rest: a proposed correction may be a new phone number or date of birth.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="rights_requests",
        help_text=_("The data subject: the learner the request is about."),
    )
    # Read from the registry when used, so a new type needs no migration (``request_types``).
    type = models.CharField(_("type"), max_length=20, choices=request_types.choices)
    details = EncryptedJSONField(_("details"), default=dict, blank=True)
    details_search = SearchTokensField(
        "details",
        help_text=_("Keyed hashes of the details' words: erasure finds a name through them without decrypting."),
    )
    status = models.CharField(_("status"), max_length=30, choices=Status, default=Status.AWAITING_VERIFICATION)
    received_at = models.DateTimeField(editable=False)
    filed_by = models.CharField(
        _("filed by"),
        max_length=10,
        choices=Filer,
        default=Filer.SUBJECT,
        help_text=_(
            "Who filed it: the learner, or an authorised agent or parent for them, whose authority and the "
            "learner's identity staff verify before anything is done."
        ),
    )
    regime = models.CharField(
        _("regime"),
        max_length=10,
        choices=RegimeKey,
        # Requests filed before regimes, and any made outside ``request_submit``, were GDPR's.
        default=RegimeKey.GDPR,
        help_text=_("The data-protection law that applied to the learner when the request was filed."),
    )
    due_at = models.DateTimeField()
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(_("extension reason"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_rights_requests",
    )
    decision_reason = models.TextField(
        _("decision reason"), blank=True, help_text=_("Why the request was rejected; told to the learner.")
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    erasure_identifiers = EncryptedJSONField(
        default=dict,
        blank=True,
        help_text=_("An erasure with findings: the identifiers its scan still looks for, until none is left."),
    )
    result = models.JSONField(
        _("result"), default=dict, blank=True, help_text=_("What carrying it out produced, e.g. an erasure's receipt.")
    )
    progress_done = models.PositiveIntegerField(
        default=0, help_text=_("Rows written so far by the work preparing a file (access report, portable copy).")
    )
    progress_total = models.PositiveIntegerField(default=0, help_text=_("Rows that work will write in all."))
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Queued or running work must start or report progress by then, else recovery queues it again."),
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text=_("Times recovery queued this work again after a worker stopped or failed to start it.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("data-rights request")
        verbose_name_plural = _("data-rights requests")
        permissions = [
            ("work_rightsrequest", "Can work data-rights requests"),
            ("decide_erasure", "Can approve or reject erasure requests"),
            ("extend_deadline", "Can extend the deadline of data-rights requests"),
            ("view_request_statistics", "Can view data-rights request statistics"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "type"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="rights_requests_one_open_per_type",
                violation_error_message=_("You already have an open request of this type."),
            ),
            models.CheckConstraint(
                condition=models.Q(due_at__gt=models.F("received_at")), name="rr_due_after_received"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(decision_reason=""),
                name="rights_requests_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(extended_at__isnull=True) | ~models.Q(extension_reason=""),
                name="rights_requests_extension_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="rr_status_due"),
            models.Index(fields=["regime", "status", "due_at"], name="rr_regime_status_due"),
            models.Index(fields=["subject", "-received_at"], name="rr_subject_received"),
            # The staff queue's order (RightsRequestAdmin.get_ordering): a page is read from here, not sorted.
            models.Index(open_first(), models.F("due_at"), models.F("reference"), name="rr_queue_order"),
            # Searched in every request by the erasure receipt's scan.
            *free_text_indexes("rr_request", "extension_reason", "decision_reason"),
            *search_tokens_indexes("rr_request", "details_search"),
        ]
        triggers = [search_tokens_trigger("details_search", "details", prefix="rr_request")]

    def __str__(self):
        return self.reference

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def progress_percent(self):
        """Return how much of the file being prepared is written, 0–100 (whole percent, rounded down)."""
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def is_being_retried(self):
        """True while work that was interrupted waits to run again or runs again (recovery queued it)."""
        return self.attempts > 0 and self.status in (Status.APPROVED, Status.PROCESSING)


class RequestEvent(models.Model):
    """One step in a request's life: who did what, from which status to which, and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Request received")
        VERIFIED = "verified", _("Identity verified")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by the learner")
        PROCESSING = "processing", _("Processing started")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Processing failed")
        RETRIED = "retried", _("Processing retried")
        ASSIGNED = "assigned", _("Assigned")
        EXTENDED = "extended", _("Deadline extended")
        CLOSED = "closed", _("Closed: the account was erased")
        LEFTOVERS_FOUND = "leftovers_found", _("Completed; leftovers to remove")
        REDACTED = "redacted", _("Leftovers redacted")
        LEFTOVERS_CLEARED = "leftovers_cleared", _("Erasure confirmed: nothing left")
        REQUEUED = "requeued", _("Processing interrupted; queued again")
        LIFT_ASKED = "lift_asked", _("Learner asked to lift the restriction")
        LIFTED = "lifted", _("Restriction lifted")
        AUTHORITY_VERIFIED = "authority_verified", _("Authority of the agent or parent verified")
        OBJECTED = "objected", _("Cancelled: the learner did not authorise it")
        OBJECTION_NOTED = "objection_noted", _("The learner did not authorise who filed for them; it goes on as theirs")

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who acted; empty for the system."),
    )
    action = models.CharField(max_length=20, choices=Action)
    from_status = models.CharField(max_length=30, choices=Status, blank=True)
    to_status = models.CharField(max_length=30, choices=Status)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the learner was emailed about this step, so they are emailed once.")
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = free_text_indexes("rr_event", "note")  # searched by the erasure receipt's scan

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    def note_in_words(self):
        """Return the note in the reader's language ("" for none).

        The portal's own notes are English marked with ``gettext_noop``, translated here; one of
        ``NOTES_WITH_VALUES`` is recognised with its values and translated with them. What staff
        wrote, or a note the portal wrote in the learner's language, is shown as written.
        """
        if not self.note:
            return ""
        for message, pattern in _NOTE_PATTERNS:
            if match := pattern.fullmatch(self.note):
                return gettext(message) % match.groupdict()
        return gettext(self.note)


# The portal's own notes that carry values: stored filled in, in English (``CLOSED_BY_ERASURE % {...}``),
# whoever's language was active, so that staff search and the erasure scan read one language; each reader
# sees it in theirs (``RequestEvent.note_in_words``).
CLOSED_BY_ERASURE = gettext_noop("Closed: the account was erased under request %(reference)s.")
PROCESSING_STOPPED = gettext_noop("Processing stopped with %(error)s.")
INTERRUPTED_TOO_OFTEN = gettext_noop(
    "The work was interrupted %(times)s times (the worker stopped or could not start it); "
    "it is not tried again without staff."
)
NOTES_WITH_VALUES = (CLOSED_BY_ERASURE, PROCESSING_STOPPED, INTERRUPTED_TOO_OFTEN)
#: Each note with values, and the pattern its stored English matches (each ``%(name)s`` a named group).
_NOTE_PATTERNS = [
    (message, re.compile(re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+)", re.escape(message)), re.DOTALL))
    for message in NOTES_WITH_VALUES
]


class RequestFile(models.Model):
    """A file made for the learner while carrying out a request, stored encrypted at rest.

    ``storage_name`` is a random name in Django's default storage; it is emptied
    once the file is deleted from storage (after ``expires_at``). A file that a
    download finds missing or unreadable keeps its name (restoring the media
    brings it back) and is marked ``unavailable_since`` until it is read again.
    """

    class Kind(models.TextChoices):
        ACCESS_REPORT = "access_report", _("Report of your data (Art. 15)")
        PORTABLE_EXPORT = "portable_export", _("Portable copy of your data (Art. 20)")

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=20, choices=Kind)
    storage_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(help_text=_("Size of the encrypted file, in bytes."))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    unavailable_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When a download first found the file missing or unreadable in storage; cleared when it is read again."
        ),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="rr_file_expires_after_created"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


def authorisation_upload_to(instance, filename):
    """Return a random storage name for a signed authorisation, so that its path reveals nothing about anyone."""
    return f"agent-authorisations/{uuid.uuid4().hex}.bin"


class AuthorisationType(models.TextChoices):
    """The kinds of file a signed authorisation may be, as its content shows (not its name)."""

    PDF = "application/pdf", "PDF"
    PNG = "image/png", "PNG"
    JPEG = "image/jpeg", "JPEG"


class PublicRequest(SearchTokensModel):
    """A request filed at ``/privacy/request/`` by someone who cannot sign in, proved by a code sent to an address.

    It lives on its own until the address is verified. Verified, it either feeds a
    ``RightsRequest`` of the account whose current email is that address
    (``rights_request``; the account is ``subject``), or, when no account has that
    address, waits in the staff queue as "no account found" until staff answer that we
    hold no data about the address (``answered``). ``code_digest`` is a keyed hash of the
    6-digit code bound to this row (``rights_requests.public``), emptied once used;
    ``details`` is what the type's handler takes (a note, or the proposed changes).
    GDPR Art. 12(2), 12(6): facilitate the exercise of rights; confirm the identity.

    Filed for someone else (``filed_by`` an agent or parent), ``email`` is the filer's own
    address and ``learner_email`` the learner's, by which the account is found; the signed
    authorisation is stored encrypted in ``authorisation`` (emptied when it is deleted,
    ``authorisation_deleted_at``), and staff record when they verified the filer's authority
    (``authority_verified_at``). ``objected_at`` is when the learner said they had not
    authorised it (``rights_requests.agents``).
    """

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Waiting for the emailed code")
        FILED = "filed", _("Verified: filed for the account with this address")
        NO_ACCOUNT = "no_account", _("Verified: no account found")
        ANSWERED = "answered", _("Answered: we hold no data about this address")
        REFUSED = "refused", _("Answered: the authority to act for the learner could not be verified")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(
        _("email address"),
        help_text=_("The address the person verified with a code: their own, also when filing for someone."),
    )
    type = models.CharField(_("type"), max_length=20, choices=request_types.choices)
    details = EncryptedJSONField(_("details"), default=dict, blank=True)
    details_search = SearchTokensField(
        "details",
        help_text=_("Keyed hashes of the details' words: erasure finds a name through them without decrypting."),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, help_text=_("The language the form was filled in.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.UNVERIFIED)
    code_digest = models.CharField(max_length=64, blank=True, editable=False)
    code_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    code_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    password_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="public_requests",
        help_text=_("The account whose email was the verified address, when there was one."),
    )
    rights_request = models.ForeignKey(
        RightsRequest,
        verbose_name=_("data-rights request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="public_requests",
    )
    created_at = models.DateTimeField(_("received"), editable=False)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("answered"), null=True, blank=True, editable=False)
    filed_by = models.CharField(_("filed by"), max_length=10, choices=Filer, default=Filer.SUBJECT)
    agent_name = models.CharField(
        _("name of the agent or parent"), max_length=200, blank=True, help_text=_("As they gave it on the form.")
    )
    learner_email = models.EmailField(
        _("learner's email address"),
        blank=True,
        help_text=_("Filed for someone else: the address of the learner it is for, by which the account is found."),
    )
    authorisation = models.FileField(
        _("signed authorisation"),
        upload_to=authorisation_upload_to,
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("Encrypted at rest; empty once deleted."),
    )
    authorisation_type = models.CharField(max_length=20, choices=AuthorisationType, blank=True, editable=False)
    authorisation_size = models.PositiveIntegerField(
        default=0, editable=False, help_text=_("Size of the file as uploaded, in bytes.")
    )
    authorisation_deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    authority_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    authority_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text=_("The staff member who verified the authority of the agent or parent."),
    )
    objected_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("request without sign-in")
        verbose_name_plural = _("requests without sign-in")
        indexes = [
            models.Index(fields=["status", "created_at"], name="rr_public_status_created"),
            *search_tokens_indexes("rr_public", "details_search"),
            # Searched in every request by the erasure receipt's scan: an agent may be a learner too.
            *free_text_indexes("rr_public", "agent_name"),
        ]
        triggers = [search_tokens_trigger("details_search", "details", prefix="rr_public")]

    def __str__(self):
        # The type as staff name it, with no law: no account, no regime to cite (as the statistics rows).
        return f"{request_types.handler_for(self.type).name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def for_someone(self):
        """True when an authorised agent or a parent filed it for a learner."""
        return self.filed_by in FOR_SOMEONE

    @property
    def subject_email(self):
        """Return the address of the person the request is about: the learner's, or the filer's own."""
        return self.learner_email if self.for_someone else self.email


class PublicRequestEvent(models.Model):
    """One step staff or the person took on a ``PublicRequest``: who, what, when."""

    class Action(models.TextChoices):
        VERIFIED = "verified", _("Address verified with the emailed code")
        NO_DATA_REPLY = "no_data_reply", _("Answered: we hold no data about this address")
        AUTHORISATION_OPENED = "authorisation_opened", _("Signed authorisation opened by staff")
        AUTHORITY_VERIFIED = "authority_verified", _("Authority of the agent or parent verified")
        REFUSED_REPLY = "refused_reply", _("Answered: the authority could not be verified")
        OBJECTED = "objected", _("The learner said they did not authorise it")

    public_request = models.ForeignKey(PublicRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who acted; empty for the person who filed it."),
    )
    action = models.CharField(max_length=20, choices=Action)
    note = models.TextField(blank=True, help_text=_("Staff's note, e.g. how they verified the authority."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = free_text_indexes("rr_pub_event", "note")  # searched by the erasure receipt's scan

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"
