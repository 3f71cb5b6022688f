"""The contract of a request type's handler: what a type must say and may change in the generic machinery."""

from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext

from learnerportal.api.fields import StrictCharField

from .. import conf
from ..details import clean_text
from ..exceptions import InvalidRequestDetails
from ..forms import NoteRequestForm
from ..permissions import WORK, require


@dataclass(frozen=True)
class ApprovalConfirmation:
    """The admin page asking the privacy officer to confirm approvals that start something irreversible at once.

    ``template`` extends ``admin/rights_requests/rightsrequest/action_page.html``; it
    gets ``confirming`` (the selected requests of this type), ``others`` and the
    handler's ``approval_confirmation_context()``.
    """

    title: str
    submit_label: str
    template: str


@dataclass(frozen=True)
class Standing:
    """What a completed request keeps in force (a restriction of processing): since when, and whether it ended.

    ``lift_asked_at`` is when the learner last asked to lift it while it was in force, else None.
    """

    since: object  # aware datetime
    lifted_at: object = None  # aware datetime, or None while in force
    lift_asked_at: object = None

    @property
    def in_force(self):
        return self.lifted_at is None


class Handler:
    """How the portal handles one type of data-subject request: everything that differs from type to type.

    Generic code (services, tasks, views, API, admin, emails) never names a type; it
    asks ``handlers.handler_for(request.type)``. To add a type, e.g. CCPA's right to
    opt out of the sale of personal data (Cal. Civ. Code § 1798.120):

    1. Write ``rights_requests/handlers/opt_out_of_sale.py``: a subclass that sets the
       attributes without a default and overrides what differs::

           class OptOutOfSaleHandler(Handler):
               type = "opt_out_of_sale"
               label = "Opt-out of the sale of your data (CCPA)"
               article = "Cal. Civ. Code § 1798.120"
               title = "Stop the sale of your data"
               summary = "Tell us not to sell or share your personal information."
               action = "Opt out of sale"
               what_we_do = "We stop sharing your data with course partners at once."
               auto_approve = True  # nothing to review: it only stops processing

               def fulfil(self, request):
                   consent_record(actor=None, user=request.subject, purpose=Purpose.PARTNER_SHARING,
                                  granted=False, source=Consent.Source.OBJECTION)
                   return "We no longer share your data with course partners."

    2. Register an instance in ``rights_requests/handlers/__init__.py``.
    3. Name the type in the rights of each regime that gives it (``compliance.regimes``): a
       learner is offered only the rights of their regime whose type is registered.

    That is all: the model's choices (no migration: ``RightsRequest.type`` reads them
    from the registry), the page ``/settings/data/new/<type>/``, the Your data tab,
    the API's ``type`` enum and ``details`` keys, the staff queue's filter and counts,
    and the emails follow the registry. What a type may override, by concern:

    - details: ``api_fields`` and ``clean_details`` (the one check, for page, API and
      admin), ``form_class``, ``fields_template``, ``form_kwargs``, ``details_as_text``,
      ``admin_details``. A key means the same for every type that takes it: the API's
      ``details`` object offers them all.
    - filing: ``notice_template``, ``requires_recent_password``, ``auto_approve``,
      ``honoured_unverified``, ``on_filed`` and its undoing ``on_closed_unmet``.
    - deciding: ``decide_permission`` and ``decide_refusal`` (who approves, rejects,
      completes), ``approves_in_part`` with ``approvable_parts`` and
      ``approve_in_part``, ``confirm_approval`` with ``approval_confirmation_context``.
    - carrying out: ``fulfil`` (without it staff carry it out by hand and complete it
      with a note), ``fulfil_in_transaction``, ``file_noun`` and ``download_label``,
      ``has_findings``, ``on_completed``, ``explain_status``.
    - answering: ``statement`` (an answer in words kept on the request, shown on its
      page, in the API and in the completion email).
    - lasting: ``lasts`` with ``standings`` and ``lift`` (what a completed request keeps in
      force until staff lift it, and the learner may ask them to).

    Two things live elsewhere and need a line there: a type that
    ``requires_recent_password`` refuses tokens with the code
    ``<type>_not_allowed_with_token``, which ``learnerportal.api.errors.ERROR_CODES``
    lists; a new details key with choices may want its enum named in
    ``SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]``. A type that has requests in the
    database must stay registered: their pages and the queue ask its handler.

    Methods that take a ``request`` get a ``RightsRequest`` of this type. Handlers
    hold no state: one instance serves every request.
    """

    # Wording. Everything learners read is plain words; the legal citation is shown beside it.

    #: The value stored in ``RightsRequest.type``: 1–20 lower-case letters and underscores, e.g. "access".
    type: str
    #: The type's name in the staff queue, the API's ``type_label`` and the emails, e.g.
    #: "Access to your data (Art. 15)".
    label: str
    #: The legal source, e.g. "GDPR Art. 15", where no regime names the type; each regime gives the right
    #: its own legal name and citation (``compliance.regimes``), which the pages, emails and queue show.
    article: str
    #: The right as the Your data tab names it, e.g. "Get a copy of your data".
    title: str
    #: What the right lets the learner do, in a sentence or two.
    summary: str
    #: The button that starts a request, e.g. "Ask for a copy".
    action: str
    #: What the portal does once asked, under "What happens next".
    what_we_do: str
    #: What the fulfilment prepares for the learner to download ("report"), or "" when nothing:
    #: the request's page then shows the work's progress and, once ready, the download.
    file_noun = ""
    #: The download button's words after "Download your " (e.g. "portable copy (ZIP)").
    download_label = ""

    # Filing.

    #: The learner page's form: it parses what was typed into ``details()``; ``clean_details`` judges it.
    form_class = NoteRequestForm
    #: Shown above that form (a warning, a hint), or "" for nothing.
    notice_template = ""
    #: Renders that form's fields.
    fields_template = "rights_requests/new/fields.html"
    #: True when carrying it out cannot be undone (erasure): the page asks for the password again
    #: before it shows the form; the API refuses personal access tokens (403
    #: ``<type>_not_allowed_with_token``) and needs a password confirmed in the last 15 minutes
    #: (403 ``reauthentication_required``).
    requires_recent_password = False
    #: The key of the details that takes the free text of a request filed without signing in
    #: (``/privacy/request/``), e.g. "reason" for a restriction of processing.
    public_text_key = "note"
    #: True when a request the learner files while signed in is approved and carried out at once;
    #: the setting ``RIGHTS_REQUESTS_AUTO_APPROVE`` (a set of types), when given, decides instead.
    auto_approve = False
    #: True when the law asks for the request to be acted on without verifying who sent it, as an
    #: opt-out of sale or a limit on sensitive information (11 CCR §7026(d), §7060(b)): filed without
    #: signing in, once the address's code is typed and an account has it, it is approved and carried
    #: out at once, like a signed-in learner's, rather than waiting for staff.
    honoured_unverified = False

    # Deciding.

    #: The permission staff need, besides working requests, to approve, reject or complete one,
    #: e.g. ``permissions.DECIDE_ERASURE``; None when working requests is enough.
    decide_permission = None
    #: The end of the refusal staff without it read after "You are not allowed to approve ",
    #: e.g. "an erasure request; the privacy officer decides those".
    decide_refusal = ""
    #: True when staff may approve some parts of one and not others (``approvable_parts``).
    approves_in_part = False
    #: The confirmation the privacy officer is asked for before approving one, or None to approve at once.
    confirm_approval: ApprovalConfirmation | None = None

    # Carrying out.

    #: True: ``fulfil`` runs in the transaction that completes the request, so a failure changes
    #: nothing. False, for work that changes nothing but its own result (a file it stores in a
    #: transaction of its own): it runs outside, so the learner sees its progress.
    fulfil_in_transaction = True

    # Lasting.

    #: True when a completed request keeps something in force until staff lift it (a restriction of
    #: processing): its pages read "In force since …", then "Lifted on …", and the learner may ask
    #: for it to be lifted (``ask_lift`` and ``lift`` in ``workflow.TRANSITIONS``).
    lasts = False
    #: True when carrying the request out takes effect at once, with no file to prepare (an objection,
    #: a restriction): its approval is then told in the same email as the outcome, one step one email.
    #: Should the work wait for a person or fail, the approval is told on its own then.
    settles_at_once = False

    @property
    def name(self):
        """Return the type as staff and the API's messages name it, e.g. "Erasure", "Opt out of sale".

        Derived from ``type``; the portal's handlers set it as a translatable word instead.
        """

        return capfirst(self.type.replace("_", " "))

    def api_fields(self):
        """Return ``{key: DRF field}`` for each key of the details this type takes, made anew on each call.

        The API's ``details`` object offers the keys of every registered type; each
        field only parses (JSON types, bounded sizes) and documents the key.
        """
        return {
            "note": StrictCharField(
                required=False,
                allow_blank=True,
                help_text="Anything you would like to add (any type), up to 2,000 characters.",
            )
        }

    @property
    def detail_keys(self):
        """Return the keys of the details this type takes, as the API shows them."""
        return tuple(self.api_fields())

    def clean_details(self, details, *, subject=None):
        """Return the details of a new request, validated and normalised: the one check, for page, API and admin.

        Override to add the type's own keys; call this one for the note.

        Args:
            details: the dict the page's form (``form.details()``) or the API parsed.
            subject: the data subject, when known (checks may read their data).

        Returns:
            a new dict with only the keys the type uses, e.g. ``{"note": str}``.

        Raises:
            InvalidRequestDetails: naming the offending key in ``field``.
        """
        if not isinstance(details, dict):
            raise InvalidRequestDetails(gettext("Details must be an object."), field="details")
        return {"note": clean_text(details.get("note"), "note", required=False)}

    def form_kwargs(self, user):
        """Return the keyword arguments ``form_class`` needs besides the posted data (e.g. current values)."""
        return {}

    def details_as_text(self, request):
        """Return what the learner asked for as ``[(label, text), ...]`` rows for their request's page."""
        note = request.details.get("note")
        return [(gettext("Your note"), note)] if note else []

    def admin_details(self, request):
        """Return the context of ``admin/rights_requests/rightsrequest/details.html`` showing the details to staff.

        Besides what the learner asked, the answer the learner was given (``statement``), once completed.
        """
        return {
            "note": request.details.get("note", ""),
            "statement": self.statement(request) if request.completed_at else [],
        }

    def approved_on_filing(self):
        """Return whether a request the learner files while signed in is approved and queued at once."""
        if conf.AUTO_APPROVE is not None:
            return self.type in conf.AUTO_APPROVE
        return self.auto_approve

    def may_decide(self, user):
        """Return whether ``user``, who may work requests, may approve, reject and complete this type's too."""
        return self.decide_permission is None or user.has_perm(self.decide_permission)

    def require_decider(self, actor, what):
        """Return if ``actor`` may ``what`` ("approve", "reject", "complete") a request of this type.

        Raises:
            NotPermitted: not staff who work requests, or without ``decide_permission``.
        """
        require(actor, WORK, what)
        if self.decide_permission is not None:
            require(actor, self.decide_permission, f"{what} {self.decide_refusal}")

    def approvable_parts(self, request):
        """Return ``{part: what the learner proposed}`` staff may approve one by one (``approves_in_part``)."""
        return {}

    def approvable_part_in_words(self, part, proposed):
        """Return ``(label, value)``: a part of ``approvable_parts`` and its proposed value, in the reader's words."""
        return part.replace("_", " ").capitalize(), str(proposed)

    def approve_in_part(self, request, approved, note):
        """Return the request's details recording that staff approved only the parts ``approved``.

        ``note`` tells the learner why the others are not met.

        Raises:
            InvalidRequestDetails: a part that was not proposed, or parts left out without a note.
        """
        raise InvalidRequestDetails(gettext("A request of this type is approved whole."), field="approved_fields")

    def approval_confirmation_context(self):
        """Return what ``confirm_approval``'s template shows besides the requests (e.g. an erasure's plan)."""
        return {}

    def on_filed(self, request, *, actor):
        """Act on a request as it is filed, in the filing's transaction (e.g. restrict processing at once)."""

    def on_closed_unmet(self, request, *, actor):
        """Undo what ``on_filed`` started, in the transaction that rejects or withdraws the request."""

    def on_completed(self, request):
        """Act once a request is completed, in the completing transaction (e.g. close the learner's others)."""

    def has_findings(self, request):
        """Return whether the fulfilment's own check found something left to do by hand.

        The request is then ``completed_with_findings`` rather than ``completed``.
        """
        return False

    def fulfil(self, request):
        """Carry out an approved request; return the note telling the learner what was done.

        Called by the processing task with the request in ``processing`` (as
        ``leases.request_start`` returned it): inside the completing transaction when
        ``fulfil_in_transaction``, else outside, reporting progress through
        ``leases.work_progress(request)`` at least every ``RIGHTS_REQUESTS_LEASE_SECONDS``
        (recovery takes the request back otherwise; a report raises ``LeaseLost`` when
        that happened, and the work must stop). Raising fails the request for staff to
        retry; a run may be repeated, so store results so that a rerun replaces them.

        Returns:
            the note, or None when this request needs a person: it then waits in
            ``processing`` until staff complete it with a note (the default).
        """
        return None

    def statement(self, request):
        """Return the answer a completed request gives, in the active language; [] when it gives none (the default).

        Read from what ``fulfil`` kept in ``request.result``, so the learner reads the
        answer as it was on completion, in their language of the moment. Shown under
        "Our answer" on the request's page, as ``statement`` in the API and in the
        completion email.

        Returns:
            ``[(heading, [(label, text), ...]), ...]``; texts may hold line breaks.
        """
        return []

    def explain_status(self, request):
        """Return what the request's status means for its learner when this type says it differently, else None."""
        return None

    def standings(self, requests, *, subjects=()):
        """Return ``{request.pk: Standing}`` for those of ``requests`` (completed, of this type) that ``lasts``.

        One query for all of them, made for the data subjects ``subjects`` too even when
        ``requests`` is empty; the caller fills in ``lift_asked_at``.
        """
        return {}

    def lift(self, request, *, actor):
        """End what the completed ``request`` keeps in force, in the lifting transaction (``lasts`` types only)."""
        raise NotImplementedError(f"{self.name} requests keep nothing in force to lift.")
