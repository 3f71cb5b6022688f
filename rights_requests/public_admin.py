"""The staff queue of requests filed without signing in (``/privacy/request/``) for which no account was found.

Read-only rows. A request filed for an account is worked in the data-rights request queue
like any other (its page says it was filed without signing in), so this queue never shows a
learner's request; one with no account found waits here for the reply that we hold no data
about the address (action, staff who work requests). The privacy officer may erase one at
its author's request. Each action calls one service per selected row.

One an agent or parent filed for a learner with no account is answered that way only once
staff verified their authority, or refused (``agents``). Their signed authorisation, on this
queue's or the data-rights queue's page, opens through ``authorisation_view`` (staff who work
requests; each opening recorded).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation, helpers
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from compliance.admin_mixins import AccessTransparencyMixin
from learnerportal.staff_time import staff_datetime
from privacy.selectors import below_digital_consent_age, digital_consent_birthday

from . import agents, public
from .details import DETAIL_TEXT_MAX
from .exceptions import AuthorisationUnavailable, NotPermitted, RightsRequestError
from .handlers import handler_for, registered
from .models import Filer, PublicRequest, PublicRequestEvent
from .permissions import DECIDE_ERASURE, WORK


class TypeFilter(admin.SimpleListFilter):
    """Filter requests by the right exercised, named as staff name it ("Erasure"), with no law: as statistics rows.

    Both queues use it; a request's law is its regime's (the data-rights queue cites it on each row).
    """

    title = _("type")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(handler.type, handler.name) for handler in registered()]

    def queryset(self, request, queryset):
        if self.value() in {handler.type for handler in registered()}:
            return queryset.filter(type=self.value())
        return queryset


class AuthorityForm(forms.Form):
    """How staff verified the authority of the agent or parent who filed requests for a learner.

    Cal. Code Regs. tit. 11 §7063(a) for an authorised agent under the CCPA; GDPR Art. 8(1) for a
    parent. The help text cites no law: it serves filings under every regime.
    """

    note = forms.CharField(
        label=_("How you verified their authority"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=DETAIL_TEXT_MAX,
        help_text=_(
            "Open the signed authorisation first. The learner sees this note in the request's history, e.g. "
            "“The authorisation is signed by the learner and names this agent and this request.” Then verify the "
            "learner's identity, directly with them."
        ),
    )


class StatusFilter(admin.SimpleListFilter):
    """The statuses the queue shows (``PublicRequestAdmin.SHOWN``)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label in PublicRequest.Status.choices if value in PublicRequestAdmin.SHOWN]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class PublicRequestEventInline(admin.TabularInline):
    """The steps taken on the request: who, what, when."""

    model = PublicRequestEvent
    fields = ("action", "actor", "note", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PublicRequest)
class PublicRequestAdmin(AccessTransparencyMixin, admin.ModelAdmin):
    """Requests without sign-in for which no account was found, and the answers staff gave them."""

    #: The queue's statuses: confirmed, no account found; answered (or, to an agent or parent, refused).
    SHOWN = (PublicRequest.Status.NO_ACCOUNT, PublicRequest.Status.ANSWERED, PublicRequest.Status.REFUSED)

    list_display = ("created_at", "email", "filed_for", "type_shown", "status")
    list_filter = (StatusFilter, "filed_by", TypeFilter)
    search_fields = ("=email", "=learner_email")
    search_help_text = _("Search by an email address in full (the filer's or the learner's).")
    fields = (
        "email",
        "agent_filing",
        "type_shown",
        "status",
        "language",
        "created_at",
        "verified_at",
        "closed_at",
        "note",
    )
    readonly_fields = fields
    inlines = [PublicRequestEventInline]
    actions = ["verify_authority", "answer_no_data", "refuse", "erase"]

    def get_queryset(self, request):
        # Unconfirmed ones are nobody's business but the retention job's: nothing proves who filed them.
        # Those filed for an account are worked, and seen, in the data-rights request queue.
        return super().get_queryset(request).filter(status__in=self.SHOWN)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the action ``erase`` deletes, for the privacy officer

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        if not request.user.has_perm(WORK):
            for name in ("verify_authority", "answer_no_data", "refuse"):
                actions.pop(name, None)
        if not request.user.has_perm(DECIDE_ERASURE):
            actions.pop("erase", None)
        return actions

    def get_fields(self, request, obj=None):
        """Leave out who filed it for someone when the person asked for themself."""
        if obj is not None and obj.for_someone:
            return self.fields
        return [name for name in self.fields if name != "agent_filing"]

    @admin.display(description=_("for"), ordering="learner_email")
    def filed_for(self, obj):
        """The learner an agent or parent asked for, or "—" when the person asked for themself."""
        if not obj.for_someone:
            return self.get_empty_value_display()
        return format_html('{} <span class="quiet">({})</span>', obj.learner_email, obj.get_filed_by_display())

    @admin.display(description=_("type"), ordering="type")
    def type_shown(self, obj):
        """The right asked for as staff name it, with no law ("Erasure"): no account means no regime to cite."""
        return handler_for(obj.type).name

    @admin.display(description=_("filed for the learner by"))
    def agent_filing(self, obj):
        return agent_filing_html(obj)

    @admin.display(description=_("what they wrote"))
    def note(self, obj):
        return "; ".join(str(value) for value in obj.details.values() if value) or "—"

    def _run(self, request, queryset, step, done, **arguments):
        count = 0
        for public_request in queryset:
            try:
                step(actor=request.user, public_request=public_request, **arguments)
            except RightsRequestError as error:
                self.message_user(request, f"{public_request.email}: {error.detail}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done(count) % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reply: we hold no data about this address"))
    def answer_no_data(self, request, queryset):
        """Send the "we hold no data about this address" reply and close each selected request."""
        self._run(
            request,
            queryset,
            public.public_request_answer_no_data,
            lambda count: ngettext("Answered %(count)s request.", "Answered %(count)s requests.", count),
        )

    @admin.action(description=_("Verify the authority of the agent or parent…"))
    def verify_authority(self, request, queryset):
        """Record that the authority of each selected filer was verified, asking how first (a note, recorded).

        As in the data-rights queue (``admin.AuthorityForm``): an intermediate page asks for the note,
        and each filing is refused until its authorisation was opened (``agents``).
        """
        form = AuthorityForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._run(
                request,
                queryset,
                agents.public_request_authority_verify,
                lambda count: ngettext("Verified %(count)s authority.", "Verified %(count)s authorities.", count),
                note=form.cleaned_data["note"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Verify the authority of the agent or parent who filed these requests"),
            "opts": self.opts,
            "form": form,
            "filings": list(queryset),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_field": "action",
            "action_name": "verify_authority",
            "submit_label": gettext("Record verification"),
            "cancel_url": request.get_full_path(),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/rights_requests/publicrequest/authority_form.html", context)

    @admin.action(description=_("Reply: we could not verify the authority to act for the learner"))
    def refuse(self, request, queryset):
        """Refuse each selected request of an agent or parent whose authority does not hold, and close it."""
        self._run(
            request,
            queryset,
            agents.public_request_refuse,
            lambda count: ngettext("Refused %(count)s request.", "Refused %(count)s requests.", count),
        )

    @admin.action(description=_("Erase (the person asked us to)"))
    def erase(self, request, queryset):
        """Delete each selected request made without an account, at its author's request."""
        self._run(
            request,
            queryset,
            public.public_request_erase,
            lambda count: ngettext("Erased %(count)s request.", "Erased %(count)s requests.", count),
        )

    def get_urls(self):
        authorisation = path(
            "<uuid:object_id>/authorisation/",
            self.admin_site.admin_view(self.authorisation_view),
            name="rights_requests_publicrequest_authorisation",
        )
        return [authorisation, *super().get_urls()]

    def authorisation_view(self, request, object_id):
        """Download the signed authorisation of an agent's or parent's request, for staff who work requests.

        Whichever queue the request is in (this one, or the data-rights queue for one filed for an
        account). Each opening is recorded (``agents.authorisation_open``). Sent as an attachment,
        never shown in the admin's pages: its bytes were judged as a PDF or image, not trusted.
        """
        if not request.user.has_perm(WORK):
            raise PermissionDenied
        public_request = PublicRequest.objects.select_related("subject", "rights_request").filter(pk=object_id).first()
        if public_request is None or not public_request.authorisation:
            raise Http404("No signed authorisation.")
        try:
            opened = agents.authorisation_open(actor=request.user, public_request=public_request)
        except NotPermitted:
            raise PermissionDenied from None
        except AuthorisationUnavailable as error:
            return HttpResponse(error.detail, status=error.status_code, content_type="text/plain; charset=utf-8")
        response = HttpResponse(opened.content, content_type=opened.content_type)
        response["Content-Disposition"] = f'attachment; filename="{opened.filename}"'
        response["Cache-Control"] = "no-store"
        return response


def agent_filing_html(filing):
    """Return staff's summary of who filed a request for a learner and how far they are checked, or "" for none.

    For a parent, the learner's age as the account's date of birth says (GDPR Art. 8(1)); the
    admin's pages of both queues show it.
    """
    if filing is None or not filing.for_someone:
        return ""
    age = ""
    if filing.filed_by == Filer.PARENT and filing.subject is not None:
        if digital_consent_birthday(filing.subject) is None:
            age = gettext("unknown (no date of birth on the account)")
        elif below_digital_consent_age(filing.subject):
            age = gettext("under the digital age of consent")
        else:
            age = gettext("at or over the digital age of consent: ask the learner themself")
    return render_to_string(
        "admin/rights_requests/agent_filing.html",
        {
            "filing": filing,
            "age": age,
            "open_url": reverse("admin:rights_requests_publicrequest_authorisation", args=[filing.pk]),
            "verified_at": staff_datetime(filing.authority_verified_at),
            "deleted_at": staff_datetime(filing.authorisation_deleted_at),
            "objected_at": staff_datetime(filing.objected_at),
            # Without an account, the note is the filing's (with one, it is in the request's history).
            "authority_note": filing.events.filter(action=PublicRequestEvent.Action.AUTHORITY_VERIFIED)
            .exclude(note="")
            .values_list("note", flat=True)
            .last(),
        },
    )
