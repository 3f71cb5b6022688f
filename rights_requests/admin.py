"""The staff queue of data-rights requests in Django admin.

Requests are read-only here: every step (assign, verify, approve, reject, extend,
retry, complete) is an admin action that calls one service per selected request.
A request's page offers, as buttons, only the steps its status and the viewer's
role allow (``steps.may_take``); the list's action menu, which cannot depend on the
selection, offers the steps the role may take on some request (``steps.may_ever_take``).
The services check permissions and transitions again and are atomic, so a refused
step changes nothing; the refusal is shown naming the request's reference.
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_noop, ngettext, ngettext_lazy, pgettext
from django.utils.translation import gettext_lazy as _

from compliance.admin_mixins import AccessTransparencyMixin, StaffSearchMixin
from compliance.erasure import findings_by_column, identifier_kind_in_words
from compliance.notice import erasure_receipt_in_words, erasure_scan_in_words
from compliance.regimes import regime
from learnerportal.staff_time import staff_datetime

from . import agents, conf, selectors, services, tasks
from .agent_filings import filing_of
from .details import DETAIL_TEXT_MAX
from .exceptions import RightsRequestError
from .files import latest_file_of
from .handlers import ApprovalConfirmation, handler_for, registered
from .models import FOR_SOMEONE, OPEN_STATUSES, Filer, RightsRequest, Status, open_first
from .permissions import DECIDE_ERASURE
from .public_admin import (  # the module registers the queue of requests without sign-in
    AuthorityForm,
    TypeFilter,
    agent_filing_html,
)
from .regime_rights import citation_of, cited
from .standings import lift_asked
from .statistics_views import request_statistics_page
from .steps import may_ever_take, may_take
from .workflow import TRANSITIONS

#: Actions offered both on the changelist (for the selected requests) and on a request's page.
EVERYWHERE = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
#: Name of the action field on a request's page (Django prefixes it there).
CHANGE_FORM_ACTION_FIELD = f"{ActionLocation.CHANGE_FORM.value}-action"
#: The staff step (``steps.STAFF_STEPS``) each admin action takes: it is offered where the step may be taken.
ACTION_STEPS = {
    "assign_to_me": "assign",
    "verify_authority": "verify_authority",
    "verify_identity": "verify",
    "approve": "approve",
    "approve_some": "approve_in_part",
    "reject": "reject",
    "extend_deadline": "extend",
    "retry_failed": "retry",
    "mark_completed": "complete",
    "remove_leftovers": "remove_leftovers",
    "lift_restriction": "lift",
}
#: The confirmation asked before approving requests whose type has none of its own (``Handler.confirm_approval``).
APPROVAL_CONFIRMATION = ApprovalConfirmation(
    title=_("Approve these requests?"),
    submit_label=_("Yes, approve"),
    template="admin/rights_requests/rightsrequest/approval_confirmation.html",
)
#: What the success message of each step says (``_run``'s ``done``): how many requests, and their references.
DONE = {
    "assign": ngettext_lazy(
        "Assigned to you %(count)s request: %(references)s.",
        "Assigned to you %(count)s requests: %(references)s.",
        "count",
    ),
    "verify_authority": ngettext_lazy(
        "Verified the authority of who filed %(count)s request: %(references)s.",
        "Verified the authority of who filed %(count)s requests: %(references)s.",
        "count",
    ),
    "verify": ngettext_lazy(
        "Verified %(count)s request: %(references)s.", "Verified %(count)s requests: %(references)s.", "count"
    ),
    "approve": ngettext_lazy(
        "Approved %(count)s request: %(references)s.", "Approved %(count)s requests: %(references)s.", "count"
    ),
    "reject": ngettext_lazy(
        "Rejected %(count)s request: %(references)s.", "Rejected %(count)s requests: %(references)s.", "count"
    ),
    "extend": ngettext_lazy(
        "Extended the deadline of %(count)s request: %(references)s.",
        "Extended the deadline of %(count)s requests: %(references)s.",
        "count",
    ),
    "retry": ngettext_lazy(
        "Sent back to processing %(count)s request: %(references)s.",
        "Sent back to processing %(count)s requests: %(references)s.",
        "count",
    ),
    "complete": ngettext_lazy(
        "Completed %(count)s request: %(references)s.", "Completed %(count)s requests: %(references)s.", "count"
    ),
    "lift": ngettext_lazy(
        "Lifted the restriction of %(count)s request: %(references)s.",
        "Lifted the restriction of %(count)s requests: %(references)s.",
        "count",
    ),
}
#: What the queue says beside the right of a request an agent or parent filed for the learner.
FILED_FOR_THE_LEARNER = {
    Filer.AGENT: _("filed by an authorised agent"),
    Filer.PARENT: _("filed by a parent or guardian"),
}
#: How many references a success message names before saying "and N more".
REFERENCES_SHOWN = 10


def _days(n):
    return ngettext("%(count)s day", "%(count)s days", n) % {"count": n}


def _kind_in_rows(kind, rows):
    """Return "<kind of identifier> in <n> row(s)", as the erasure receipt's scan lists a column's findings."""
    return gettext("%(kind)s in %(count)s row(s)") % {"kind": identifier_kind_in_words(kind), "count": rows}


def deadline_status(request, *, now=None):
    """Return ``(css class, text)`` saying how ``request`` stands against its deadline, or None when closed.

    Days are counted in the platform's time zone (``selectors.days_until_due``).
    """
    if not request.is_open:
        return None
    now = now or timezone.now()
    days = selectors.days_until_due(request, now=now)
    if request.due_at < now:
        return "rr-overdue", gettext("overdue by %(days)s") % {"days": _days(max(1, -days))}
    if days == 0:
        return "rr-due-soon", gettext("due today")
    css_class = "rr-due-soon" if days <= conf.REMIND_WITHIN_DAYS else "rr-due"
    return css_class, gettext("due in %(days)s") % {"days": _days(days)}


class DeadlineFilter(admin.SimpleListFilter):
    """Filter open requests by their deadline: overdue, due soon, or all open ones."""

    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", gettext("Overdue")),
            ("soon", gettext("Due within %(days)s") % {"days": _days(conf.REMIND_WITHIN_DAYS)}),
            # Translators: a filter of the staff queue: the requests still open (not a verb).
            ("open", pgettext("requests", "Open")),
        ]

    @classmethod
    def statuses(cls, request):
        """Return the statuses the list shows when this filter is on (every choice lists open requests), or None."""
        return set(OPEN_STATUSES) if request.GET.get(cls.parameter_name) in ("overdue", "soon", "open") else None

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return selectors.overdue_requests(queryset)
        if self.value() == "soon":
            return selectors.requests_due_within(conf.REMIND_WITHIN_DAYS, queryset)
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset


class WorkFilter(admin.SimpleListFilter):
    """Filter requests by the state of their background work: being retried, stuck, or failed."""

    title = _("background work")
    parameter_name = "work"

    def lookups(self, request, model_admin):
        return [
            ("retrying", gettext("Being retried")),
            ("stuck", gettext("Stuck (worker stopped; recovery not run yet)")),
            ("failed", gettext("Failed (retry it)")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "retrying":
            return queryset.filter(attempts__gt=0, status__in=TRANSITIONS["requeue"].sources)
        if self.value() == "stuck":
            return queryset.filter(pk__in=selectors.requests_with_lapsed_lease(now=timezone.now()).values("pk"))
        if self.value() == "failed":
            return queryset.filter(status=Status.FAILED)
        return queryset


class LearnerAsksFilter(admin.SimpleListFilter):
    """Filter completed requests on which the learner waits for staff: a restriction they ask to lift."""

    title = _("learner waits for us")
    parameter_name = "asks"

    def lookups(self, request, model_admin):
        return [("lift", gettext("To lift a restriction (lift it: they are emailed first)"))]

    def queryset(self, request, queryset):
        if self.value() == "lift":
            return queryset.filter(lift_asked(), status=Status.COMPLETED)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    """Filter requests by who works them: the signed-in staff member, nobody, or anyone."""

    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [
            ("me", gettext("Me")),
            ("nobody", gettext("Nobody (unassigned)")),
            ("anyone", gettext("Anyone (assigned)")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        if self.value() == "anyone":
            return queryset.filter(assignee__isnull=False)
        return queryset


class FileFilter(admin.SimpleListFilter):
    """Filter requests whose file a download found missing or damaged in storage (staff were emailed)."""

    title = _("file")
    parameter_name = "file"

    def lookups(self, request, model_admin):
        return [("unavailable", gettext("Unavailable (missing or damaged)"))]

    def queryset(self, request, queryset):
        if self.value() == "unavailable":
            return selectors.requests_with_unavailable_files(queryset)
        return queryset


class VerifyForm(forms.Form):
    """How staff verified the identity of the person who filed the requests."""

    note = forms.CharField(
        label=_("How you verified their identity"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=DETAIL_TEXT_MAX,
        help_text=_(
            "The learner sees this note in their request's history: say how you checked, not what "
            "they told you, e.g. “Confirmed by a reply from the account's email address.”"
        ),
    )


class RejectForm(forms.Form):
    """The reason for rejecting requests, which the learner is told."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=DETAIL_TEXT_MAX,
        help_text=_(
            "The learner is told this reason and that they may complain to a supervisory authority (GDPR Art. 12(4)); "
            "so is the agent or parent who filed a request for them."
        ),
    )


#: The extensions staff may choose, as ``{form value: request_extend's keyword arguments}``; each request's
#: regime says which it allows (``compliance.regimes``), and the service refuses the others by reference.
EXTENSIONS = {"1m": {"months": 1}, "2m": {"months": 2}, "45d": {"days": 45}}


class ExtendForm(forms.Form):
    """By how much to extend deadlines, and why; the learner is told the reason (GDPR Art. 12(3), CCPA §1798.130)."""

    extension = forms.ChoiceField(
        label=_("Extend by"),
        choices=[
            ("1m", _("1 further month (GDPR, UK GDPR, platform standard)")),
            ("2m", _("2 further months (GDPR, UK GDPR, platform standard)")),
            ("45d", _("45 further days (CCPA/CPRA)")),
        ],
        initial="2m",
        widget=forms.RadioSelect,
        help_text=_(
            "Counted from the day the request was received. A deadline can be extended only once, "
            "as the request's regime allows; the LGPD allows no extension."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=DETAIL_TEXT_MAX,
        help_text=_("The learner is told this reason, e.g. the complexity or number of their requests."),
    )


class ApproveSomeForm(forms.Form):
    """Which of a rectification's proposed corrections to make, and why not the others."""

    approved_fields = forms.MultipleChoiceField(
        label=_("Make these corrections"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Why not the others"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=DETAIL_TEXT_MAX,
        help_text=_("The learner is told this."),
    )

    def __init__(self, *args, proposed, in_words, **kwargs):
        """``proposed``: ``{part: value}``; ``in_words(part, value) -> (label, value)``, in the handler's words."""
        super().__init__(*args, **kwargs)
        self.proposed = proposed
        self.fields["approved_fields"].choices = [
            (name, f"{label} → {value or gettext('(empty)')}")
            for name, (label, value) in ((name, in_words(name, value)) for name, value in proposed.items())
        ]

    def clean(self):
        """Ask for the reason here, beside the ticked boxes, rather than have the service refuse and lose them.

        The learner must be told why a correction is not made (GDPR Art. 12(4)).
        """
        data = super().clean()
        if set(data.get("approved_fields", [])) != set(self.proposed) and not data.get("note", "").strip():
            self.add_error("note", gettext("Tell the learner why the corrections you did not tick are not made."))
        return data


class CompleteForm(forms.Form):
    """What staff did to carry out requests by hand; the learner is told."""

    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=DETAIL_TEXT_MAX,
        help_text=_("The learner is told this, e.g. “Your phone number is now corrected.”"),
    )
    carried_out = forms.BooleanField(
        label=_("I have carried out these requests in full"),
        help_text=_("Completing tells the learner their request is done: do the work first."),
    )


class LiftForm(forms.Form):
    """Staff confirm lifting a restriction of processing with the page's button alone: nothing to fill in."""

    #: Said above the button: the learner is emailed before it ends (GDPR Art. 18(3)).
    intro = _("The learner is emailed first; then the uses of their data the restriction stopped may start again.")


@admin.register(RightsRequest)
class RightsRequestAdmin(StaffSearchMixin, AccessTransparencyMixin, admin.ModelAdmin):
    """The queue of data-rights requests: read-only rows, every step an action calling a service."""

    list_display = ("reference", "learner", "right", "regime_shown", "state", "received", "deadline", "assignee")
    list_filter = (
        TypeFilter,
        "status",
        "filed_by",
        "regime",
        DeadlineFilter,
        WorkFilter,
        LearnerAsksFilter,
        AssigneeFilter,
        FileFilter,
    )
    list_select_related = ("subject", "assignee")
    # "N of M" would count every request on every page view, on top of the paginator's count.
    show_full_result_count = False
    search_fields = ("reference", "subject__email", "subject__username", "subject__profile__full_name")
    search_help_text = _("Search by reference, or the learner's email or username.")
    #: Staff other than superusers find a learner by their whole email address only, as in the
    #: account list: a fragment such as "@exam" would list every learner whose address has it.
    staff_search_fields = ("reference", "=subject__email", "subject__username", "subject__profile__full_name")
    staff_search_help_text = _("Search by reference, the learner's username or name, or their email address in full.")
    actions = [
        "assign_to_me",
        "verify_authority",
        "verify_identity",
        "approve",
        "approve_some",
        "reject",
        "extend_deadline",
        "retry_failed",
        "mark_completed",
        "lift_restriction",
        "remove_leftovers",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "learner_account", "agent_filing", "right_exercised", "status", "assignee"]}),
        (
            _("Deadline"),
            {"fields": ["regime_shown", "received_at_shown", "due", "extended_at_shown", "extension_reason"]},
        ),
        (_("What the learner asked for"), {"fields": ["request_details"]}),
        (_("Outcome"), {"fields": ["decision_reason", "completed_at_shown", "download_file", "erasure_receipt"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        """Leave out the reason for a rejection on a request that has none (one carried out, or still open).

        And who filed it for the learner, on one the learner filed themself.
        """
        left_out = set()
        if obj is None or not obj.decision_reason:
            left_out.add("decision_reason")
        if obj is None or obj.filed_by not in FOR_SOMEONE:
            left_out.add("agent_filing")
        return [
            (name, {**options, "fields": [field for field in options["fields"] if field not in left_out]})
            for name, options in self.fieldsets
        ]

    readonly_fields = [
        "reference",
        "learner_account",
        "agent_filing",
        "right_exercised",
        "status",
        "assignee",
        "regime_shown",
        "received_at_shown",
        "due",
        "extended_at_shown",
        "extension_reason",
        "request_details",
        "decision_reason",
        "completed_at_shown",
        "download_file",
        "erasure_receipt",
    ]

    # Stored in the learner's audit log as it is (JSON, English): the account activity page translates it.
    access_view_name = gettext_noop("your request and a summary of your data")

    class Media:
        css = {"all": ["css/admin-queue.css"]}

    def access_request_reference(self, request, obj, subject):
        return obj.reference

    # Staff never add, edit or delete requests here: learners file them, services change them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        """Offer the steps the user's role and, on a request's page, the request's status allow.

        The list's menu cannot depend on the selection: it offers each step the
        role may take on some request the list shows (an agent may approve, but not
        extend; nobody approves from a list of completed requests), and the services
        refuse the selected requests it does not apply to, by reference.
        A request's page offers only what applies to that request now (no Approve
        once it is completed; no decision on an erasure for an agent).
        """
        actions = super().get_actions(request, action_location=action_location)
        if action_location == ActionLocation.CHANGE_FORM:
            viewed = self._viewed_request(request)
            return {
                name: action
                for name, action in actions.items()
                if viewed is not None and may_take(request.user, viewed, ACTION_STEPS[name])
            }
        statuses = self._statuses_listed(request)
        return {
            name: action
            for name, action in actions.items()
            if may_ever_take(request.user, ACTION_STEPS[name], statuses=statuses)
        }

    @staticmethod
    def _statuses_listed(request):
        """Return the statuses the list is filtered to (its status or deadline filter), or None for any."""
        status = request.GET.get("status__exact")
        if status in Status.values:
            return {status}
        return DeadlineFilter.statuses(request)

    @staticmethod
    def _viewed_request(request):
        """Return the request whose page is shown (or posted to), or None."""
        object_id = (request.resolver_match.kwargs if request.resolver_match else {}).get("object_id")
        try:
            pk = uuid.UUID(str(object_id))
        except ValueError:
            return None
        return RightsRequest.objects.filter(pk=pk).first()

    def get_ordering(self, request):
        # Open requests first, the most urgent on top; then closed ones (read from the index rr_queue_order).
        return [open_first().asc(), "due_at", "reference"]

    # Columns and read-only fields

    @admin.display(description=_("file for the learner"))
    def download_file(self, obj):
        """The newest file made for the learner and whether it can be downloaded."""
        request_file = latest_file_of(obj)
        if request_file is None:
            return self.get_empty_value_display()
        if request_file.unavailable_since and request_file.storage_name:
            return format_html(
                '<strong class="rr-receipt-left">{}</strong> {}',
                gettext("Unavailable since %(since)s: missing or damaged in storage.")
                % {"since": staff_datetime(request_file.unavailable_since)},
                gettext(
                    "The learner is told to try again later; restore the file from the backup taken with the "
                    "database, or prepare a new copy. Downloadable until %(until)s."
                )
                % {"until": staff_datetime(request_file.expires_at)},
            )
        if not request_file.storage_name:
            return gettext("Deleted from storage (its download period is over).")
        return gettext("Downloadable until %(until)s.") % {"until": staff_datetime(request_file.expires_at)}

    @admin.display(description=_("erasure receipt"))
    def erasure_receipt(self, obj):
        """The erasure's receipt (GDPR Art. 5(2), accountability): what was done to each record, and the scan."""
        receipt = (obj.result or {}).get("erasure_receipt")
        if not receipt:
            return self.get_empty_value_display()
        columns = findings_by_column(receipt.get("scan", []))
        scan = erasure_scan_in_words(receipt.get("scanned", {}), len(columns))
        verdict = (
            format_html('<strong class="rr-receipt-clean">{}</strong>', scan)
            if not columns
            else format_html(
                '<strong class="rr-receipt-left">{}</strong> {} <a href="{}">{}</a>',
                scan,
                "; ".join(
                    f"{column} ({', '.join(_kind_in_rows(kind, rows) for kind, rows in kinds.items())})"
                    for column, kinds in columns.items()
                ),
                reverse("admin:rights_requests_rightsrequest_leftovers", args=[obj.pk]),
                gettext("Review and remove them"),
            )
        )
        if receipt.get("redacted"):
            verdict = format_html(
                "{} {}",
                verdict,
                ngettext(
                    "The privacy officer removed the learner's identifiers from %(count)s place by hand.",
                    "The privacy officer removed the learner's identifiers from %(count)s places by hand.",
                    receipt["redacted"],
                )
                % {"count": receipt["redacted"]},
            )
        records = format_html_join(
            "",
            "<li><strong>{}:</strong> {}</li>",
            (
                (
                    heading,
                    "; ".join(
                        ngettext("%(kind)s (%(count)s row)", "%(kind)s (%(count)s rows)", rows)
                        % {"kind": kind, "count": rows}
                        + (f" — {reason.rstrip('.')}" if reason else "")
                        for kind, rows, reason in items
                    ),
                )
                for heading, items in erasure_receipt_in_words(receipt["records"])
            ),
        )
        return format_html(
            '<p>{}</p><p class="rr-receipt-scan">{}</p><ul>{}</ul>',
            gettext("Erased at %(time)s.") % {"time": staff_datetime(receipt["erased_at"])},
            verdict,
            records,
        )

    @admin.display(description=_("learner"), ordering="subject__username")
    def learner(self, obj):
        return obj.subject.username

    @admin.display(description=_("type"), ordering="type")
    def right(self, obj):
        """The right, and who filed it when an agent or parent did for the learner."""
        if obj.filed_by in FOR_SOMEONE:
            return format_html(
                '{} <span class="quiet">· {}</span>', handler_for(obj.type).name, FILED_FOR_THE_LEARNER[obj.filed_by]
            )
        return handler_for(obj.type).name

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lift_asked=lift_asked())

    @admin.display(description=_("status"), ordering="status")
    def state(self, obj):
        if obj.status == Status.COMPLETED and obj.lift_asked:
            return format_html(
                '{} — <strong class="rr-overdue">{}</strong>',
                obj.get_status_display(),
                gettext("learner asks to lift it"),
            )
        return obj.get_status_display()

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj):
        return staff_datetime(obj.received_at)

    @admin.display(description=_("deadline"), ordering="due_at")
    def deadline(self, obj):
        status = deadline_status(obj)
        if status is None:
            return None  # closed: shown as the empty value
        css_class, text = status
        return format_html('<span class="rr-deadline {}">{}</span>', css_class, text)

    @admin.display(description=_("due"))
    def due(self, obj):
        status = deadline_status(obj)
        if status is None:
            return staff_datetime(obj.due_at)
        css_class, text = status
        return format_html('{} — <span class="rr-deadline {}">{}</span>', staff_datetime(obj.due_at), css_class, text)

    @admin.display(description=_("regime"), ordering="regime")
    def regime_shown(self, obj):
        """The regime the request is answered under, with its period: "California CCPA/CPRA: 45 days"."""
        rule = regime(obj.regime).deadline_for(obj.type)
        return gettext("%(regime)s: %(period)s") % {"regime": obj.get_regime_display(), "period": rule.period}

    @admin.display(description=_("type"))
    def right_exercised(self, obj):
        """The right as staff name it, with its source under the request's regime: "Erasure (GDPR Art. 17)"."""
        return cited(handler_for(obj.type).name, citation_of(obj))

    @admin.display(description=_("received"))
    def received_at_shown(self, obj):
        return staff_datetime(obj.received_at)

    @admin.display(description=_("deadline extended"))
    def extended_at_shown(self, obj):
        return staff_datetime(obj.extended_at) or self.get_empty_value_display()

    @admin.display(description=_("completed"))
    def completed_at_shown(self, obj):
        return staff_datetime(obj.completed_at) or self.get_empty_value_display()

    @admin.display(description=_("learner"))
    def learner_account(self, obj):
        url = reverse("admin:accounts_user_change", args=[obj.subject_id])
        return format_html('<a href="{}">{}</a> · {}', url, obj.subject.username, obj.subject.email)

    @admin.display(description=_("filed for the learner by"))
    def agent_filing(self, obj):
        """Who filed it for the learner, their authorisation and how far staff checked them (``agents``)."""
        return agent_filing_html(filing_of(obj))

    @admin.display(description=_("details"))
    def request_details(self, obj):
        """What the learner asked for, as the type's handler shows it to staff (``Handler.admin_details``)."""
        context = handler_for(obj.type).admin_details(obj)
        # Filed at /privacy/request/: only an emailed code proved who asked (GDPR Art. 12(6)).
        context["without_sign_in"] = obj.public_requests.filter(filed_by=Filer.SUBJECT).exists()
        return render_to_string("admin/rights_requests/rightsrequest/details.html", context)

    def get_urls(self):
        leftovers = path(
            "<uuid:object_id>/leftovers/",
            self.admin_site.admin_view(self.leftovers_view),
            name="rights_requests_rightsrequest_leftovers",
        )
        statistics = path(
            "statistics/",
            self.admin_site.admin_view(self.statistics_view),
            name="rights_requests_rightsrequest_statistics",
        )
        return [statistics, leftovers, *super().get_urls()]

    def statistics_view(self, request):
        """The privacy officer's figures (``statistics_views.request_statistics_page``)."""
        return request_statistics_page(request, self.admin_site)

    def leftovers_view(self, request, object_id):
        """List what an erasure left, row by row, and remove the identifiers from the places ticked.

        The privacy officer's screen for an erasure ``completed_with_findings``
        (GDPR Art. 17(1)): table, column and row of each place, and the kind of
        identifier, never the identifier itself. Only listed places can be sent.
        """
        if not request.user.has_perm(DECIDE_ERASURE):
            raise PermissionDenied
        rights_request = self.get_object(request, str(object_id))
        change_url = reverse("admin:rights_requests_rightsrequest_change", args=[object_id])
        if rights_request is None or rights_request.status != Status.COMPLETED_WITH_FINDINGS:
            self.message_user(request, gettext("This request has no leftovers to remove."), messages.INFO)
            return HttpResponseRedirect(change_url)
        leftovers = selectors.erasure_leftovers_of(rights_request)
        if request.method == "POST":
            # SECURITY: only places the scan lists now can be sent; anything else is ignored.
            listed = {place.key: place for place in leftovers}
            ticked = [key for key in request.POST.getlist("place") if key in listed]
            if "all" in request.POST:
                redact, dismiss = [key for key, place in listed.items() if place.redactable], []
            elif "dismiss" in request.POST:
                redact, dismiss = [], ticked
            else:
                redact, dismiss = ticked, []
            if not (redact or dismiss) and (leftovers or "all" not in request.POST):
                self.message_user(request, gettext("Tick the places to act on."), messages.ERROR)
                return HttpResponseRedirect(request.path)
            try:
                redacted, refused, left = services.request_leftovers_resolve(
                    actor=request.user, request=rights_request, redact=redact, dismiss=dismiss
                )
            except RightsRequestError as error:
                self.message_user(request, f"{rights_request.reference}: {error.detail}", messages.ERROR)
                return HttpResponseRedirect(change_url)
            for key, detail in refused:
                self.message_user(request, f"{key}: {detail}", messages.ERROR)
            counts = {
                "reference": rights_request.reference,
                "redacted": redacted,
                "dismissed": len(dismiss),
                "left": len(left),
            }
            if not left:
                done = gettext(
                    "%(reference)s: removed from %(redacted)s place(s), %(dismissed)s marked as checked. "
                    "The scan finds nothing left: the erasure is complete."
                )
                self.message_user(request, done % counts, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
            done = gettext(
                "%(reference)s: removed from %(redacted)s place(s), %(dismissed)s marked as checked; "
                "%(left)s place(s) still hold an identifier."
            )
            self.message_user(request, done % counts, messages.WARNING)
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("What the erasure %(reference)s left") % {"reference": rights_request.reference},
            "opts": self.opts,
            "original": rights_request,
            "leftovers": leftovers,
            "listed_at_most": selectors.LEFTOVERS_LISTED,
            "change_url": change_url,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/rights_requests/rightsrequest/leftovers.html", context)

    def changelist_view(self, request, extra_context=None):
        # SECURITY: a forged action POST with ids that are not UUIDs is a bad request, not a server error.
        for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
            try:
                uuid.UUID(value)
            except ValueError:
                return HttpResponseBadRequest("Selected requests must be given by their ids.")
        return super().changelist_view(request, {"title": gettext("Data-rights queue"), **(extra_context or {})})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["timeline"] = selectors.events_of(obj)
            context["data_summary"] = selectors.personal_data_summary(obj.subject)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # Actions: each calls one service per selected request.

    def _run(self, request, queryset, step, done, **arguments):
        """Call ``step(actor=user, request=each, **arguments)``; report refusals one by one, successes once.

        ``done`` says what succeeded: an ``ngettext_lazy`` message counting ``count`` requests, with
        ``%(count)s`` and ``%(references)s`` in it, e.g. "Approved 2 requests: DSR-2026-000001, DSR-2026-000002.".
        """
        succeeded = []
        for rights_request in queryset:
            try:
                step(actor=request.user, request=rights_request, **arguments)
            except RightsRequestError as error:
                self.message_user(request, f"{rights_request.reference}: {error.detail}", messages.ERROR)
            else:
                succeeded.append(rights_request.reference)
        if succeeded:
            shown = ", ".join(succeeded[:REFERENCES_SHOWN])
            if len(succeeded) > REFERENCES_SHOWN:
                shown = gettext("%(references)s and %(count)s more") % {
                    "references": shown,
                    "count": len(succeeded) - REFERENCES_SHOWN,
                }
            self.message_user(request, done % {"count": len(succeeded), "references": shown}, messages.SUCCESS)

    def _with_form(self, request, queryset, *, action, form_class, title, submit, run):
        """Ask for the step's reason or note on an intermediate page, then ``run(cleaned_data)``.

        Like Django's delete confirmation, the page posts the selected ids and the
        action back to the page it came from (the changelist or the request's page).
        """
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                run(form.cleaned_data)
                return None  # back to where the action was chosen
        else:
            form = form_class()
        requests = list(queryset.select_related("subject"))
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "requests": [(obj, deadline_status(obj), handler_for(obj.type).name) for obj in requests],
            "action_name": action,
            "action_field": CHANGE_FORM_ACTION_FIELD if CHANGE_FORM_ACTION_FIELD in request.POST else "action",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "submit_label": submit,
            "intro": getattr(form_class, "intro", ""),
            "cancel_url": request.get_full_path(),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/rights_requests/rightsrequest/action_form.html", context)

    @admin.action(description=_("Assign to me"), location=EVERYWHERE)
    def assign_to_me(self, request, queryset):
        self._run(request, queryset, services.request_assign, DONE["assign"], assignee=request.user)

    @admin.action(description=_("Verify the authority of the agent or parent…"), location=EVERYWHERE)
    def verify_authority(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            action="verify_authority",
            form_class=AuthorityForm,
            title=gettext("Verify the authority of the agent or parent who filed these requests"),
            submit=gettext("Record verification"),
            run=lambda data: self._run(
                request, queryset, agents.agent_authority_verify, DONE["verify_authority"], note=data["note"]
            ),
        )

    @admin.action(description=_("Verify identity…"), location=EVERYWHERE)
    def verify_identity(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            action="verify_identity",
            form_class=VerifyForm,
            title=gettext("Verify the identity of who filed these requests"),
            submit=gettext("Record verification"),
            run=lambda data: self._run(request, queryset, services.request_verify, DONE["verify"], note=data["note"]),
        )

    @admin.action(description=_("Approve…"), location=EVERYWHERE)
    def approve(self, request, queryset):
        """Approve the selected requests once confirmed: each learner is emailed and the work starts.

        A type that asks for its own confirmation (erasure: carried out at once and
        for good) has its page. When the user may approve none of the selected
        requests, there is nothing to confirm: the service refuses each by reference.
        """
        if "apply" in request.POST:
            self._run(request, queryset, services.request_approve, DONE["approve"])
            return None
        requests = list(queryset.select_related("subject"))
        approvable = [obj for obj in requests if may_take(request.user, obj, "approve")]
        if not approvable:
            self._run(request, queryset, services.request_approve, DONE["approve"])
            return None
        handler = next((handler_for(obj.type) for obj in approvable if handler_for(obj.type).confirm_approval), None)
        return self._approval_confirmation(request, requests, approvable, handler)

    def _approval_confirmation(self, request, requests, approvable, handler):
        """Ask staff to confirm approvals: the learner is emailed and the work starts (erasure: for good).

        Like Django's delete confirmation: the selected requests, what approving
        does (for a type with its own confirmation, e.g. erasure, what it does to
        each kind of record, from the registry), and a submit button ("Yes, erase"),
        which posts the selection and the action back with ``apply``. Nothing changes until then.
        """
        confirmation = handler.confirm_approval if handler else APPROVAL_CONFIRMATION
        context = {
            **self.admin_site.each_context(request),
            "title": confirmation.title,
            "submit_label": confirmation.submit_label,
            "opts": self.opts,
            "requests": [(obj, deadline_status(obj), handler_for(obj.type).name) for obj in requests],
            "confirming": [obj for obj in approvable if handler is None or obj.type == handler.type],
            "others": [obj for obj in approvable if handler is not None and obj.type != handler.type],
            "left_alone": [obj for obj in requests if obj not in approvable],
            **(handler.approval_confirmation_context() if handler else {}),
            "action_name": "approve",
            "action_field": CHANGE_FORM_ACTION_FIELD if CHANGE_FORM_ACTION_FIELD in request.POST else "action",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "cancel_url": request.get_full_path(),
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, confirmation.template, context)

    @admin.action(description=_("Approve some corrections…"), location=EVERYWHERE)
    def approve_some(self, request, queryset):
        """Approve some parts of one request whose type allows it (``Handler.approves_in_part``: rectification)."""
        requests = list(queryset[:2])
        if len(requests) != 1 or not handler_for(requests[0].type).approves_in_part:
            types = " or ".join(handler.type for handler in registered() if handler.approves_in_part)
            self.message_user(
                request, gettext("Choose exactly one %(types)s request for this.") % {"types": types}, messages.ERROR
            )

            return None
        rights_request = requests[0]
        handler = handler_for(rights_request.type)
        proposed = handler.approvable_parts(rights_request)

        def form_class(*args, **kwargs):
            return ApproveSomeForm(*args, proposed=proposed, in_words=handler.approvable_part_in_words, **kwargs)

        return self._with_form(
            request,
            queryset,
            action="approve_some",
            form_class=form_class,
            title=gettext("Approve some corrections"),
            submit=gettext("Approve"),
            run=lambda data: self._run(
                request,
                queryset,
                services.request_approve,
                DONE["approve"],
                approved_fields=data["approved_fields"],
                note=data["note"],
            ),
        )

    @admin.action(description=_("Reject…"), location=EVERYWHERE)
    def reject(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            action="reject",
            form_class=RejectForm,
            title=gettext("Reject requests"),
            submit=gettext("Reject"),
            run=lambda data: self._run(
                request, queryset, services.request_reject, DONE["reject"], reason=data["reason"]
            ),
        )

    @admin.action(description=_("Extend deadline…"), location=EVERYWHERE)
    def extend_deadline(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            action="extend_deadline",
            form_class=ExtendForm,
            title=gettext("Extend deadlines"),
            submit=gettext("Extend deadline"),
            run=lambda data: self._run(
                request,
                queryset,
                services.request_extend,
                DONE["extend"],
                reason=data["reason"],
                **EXTENSIONS[data["extension"]],
            ),
        )

    @admin.action(description=_("Retry failed"), location=EVERYWHERE)
    def retry_failed(self, request, queryset):
        self._run(request, queryset, services.request_retry, DONE["retry"])

    @admin.action(description=_("Mark completed…"), location=EVERYWHERE)
    def mark_completed(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            action="mark_completed",
            form_class=CompleteForm,
            title=gettext("Mark requests completed"),
            submit=gettext("Mark completed"),
            run=lambda data: self._run(request, queryset, tasks.request_complete, DONE["complete"], note=data["note"]),
        )

    @admin.action(description=_("Lift the restriction…"), location=EVERYWHERE)
    def lift_restriction(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            action="lift_restriction",
            form_class=LiftForm,
            title=gettext("Lift the restriction of processing"),
            submit=gettext("Email the learner and lift it"),
            run=lambda data: self._run(request, queryset, services.request_lift, DONE["lift"]),
        )

    @admin.action(description=_("Remove what the erasure left…"), location=ActionLocation.CHANGE_FORM)
    def remove_leftovers(self, request, queryset):
        """Open the leftovers page of the erasure shown (``leftovers_view``), which asks before it changes anything."""
        rights_request = queryset.first()
        return HttpResponseRedirect(reverse("admin:rights_requests_rightsrequest_leftovers", args=[rights_request.pk]))
