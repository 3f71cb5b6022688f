"""The staff queue of requests filed without signing in (``/privacy/request/``), in Django admin.

Read-only rows. A request filed for an account is worked in the data-rights request queue
(its link); one with no account found waits here for the reply that we hold no data about
the address (action, staff who work requests). The privacy officer may erase one at its
author's request. Each action calls one service per selected row.
"""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import public
from .exceptions import RightsRequestError
from .models import PublicRequest, PublicRequestEvent
from .permissions import DECIDE_ERASURE, WORK


class StatusFilter(admin.SimpleListFilter):
    """The statuses the queue shows: not "waiting for the code", whose rows it leaves out."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label in PublicRequest.Status.choices if value != "unverified"]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class PublicRequestEventInline(admin.TabularInline):
    """The steps taken on the request: who, what, when."""

    model = PublicRequestEvent
    fields = ("action", "actor", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PublicRequest)
class PublicRequestAdmin(admin.ModelAdmin):
    """Requests without sign-in: verified ones, and what staff did with those without an account."""

    list_display = ("created_at", "email", "type", "status", "request_link")
    list_filter = (StatusFilter, "type")
    search_fields = ("=email",)
    search_help_text = _("Search by the email address in full.")
    fields = ("email", "type", "status", "language", "created_at", "verified_at", "closed_at", "note", "request_link")
    readonly_fields = fields
    inlines = [PublicRequestEventInline]
    actions = ["answer_no_data", "erase"]

    def get_queryset(self, request):
        # Unconfirmed ones are nobody's business but the retention job's: nothing proves who filed them.
        return (
            super()
            .get_queryset(request)
            .exclude(status=PublicRequest.Status.UNVERIFIED)
            .select_related("rights_request")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the action ``erase`` deletes, for the privacy officer

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        if not request.user.has_perm(WORK):
            actions.pop("answer_no_data", None)
        if not request.user.has_perm(DECIDE_ERASURE):
            actions.pop("erase", None)
        return actions

    @admin.display(description=_("what they wrote"))
    def note(self, obj):
        return "; ".join(str(value) for value in obj.details.values() if value) or "—"

    @admin.display(description=_("data-rights request"))
    def request_link(self, obj):
        if obj.rights_request_id is None:
            return "—"
        url = reverse("admin:rights_requests_rightsrequest_change", args=[obj.rights_request_id])
        return format_html('<a href="{}">{}</a>', url, obj.rights_request.reference)

    def _run(self, request, queryset, step, done):
        count = 0
        for public_request in queryset:
            try:
                step(actor=request.user, public_request=public_request)
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

    @admin.action(description=_("Erase (the person asked us to)"))
    def erase(self, request, queryset):
        """Delete each selected request made without an account, at its author's request."""
        self._run(
            request,
            queryset,
            public.public_request_erase,
            lambda count: ngettext("Erased %(count)s request.", "Erased %(count)s requests.", count),
        )
