"""The staff queue of requests filed without signing in (``/privacy/request/``) for which no account was found.

Read-only rows. A request filed for an account is worked in the data-rights request queue
like any other (its page says it was filed without signing in), so this queue never shows a
learner's request; one with no account found waits here for the reply that we hold no data
about the address (action, staff who work requests). The privacy officer may erase one at
its author's request. Each action calls one service per selected row.
"""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from compliance.admin_mixins import AccessTransparencyMixin

from . import public
from .exceptions import RightsRequestError
from .models import PublicRequest, PublicRequestEvent
from .permissions import DECIDE_ERASURE, WORK


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
    fields = ("action", "actor", "created_at")
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

    #: The queue's statuses: confirmed, no account found; answered.
    SHOWN = (PublicRequest.Status.NO_ACCOUNT, PublicRequest.Status.ANSWERED)

    list_display = ("created_at", "email", "type", "status")
    list_filter = (StatusFilter, "type")
    search_fields = ("=email",)
    search_help_text = _("Search by the email address in full.")
    fields = ("email", "type", "status", "language", "created_at", "verified_at", "closed_at", "note")
    readonly_fields = fields
    inlines = [PublicRequestEventInline]
    actions = ["answer_no_data", "erase"]

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
            actions.pop("answer_no_data", None)
        if not request.user.has_perm(DECIDE_ERASURE):
            actions.pop("erase", None)
        return actions

    @admin.display(description=_("what they wrote"))
    def note(self, obj):
        return "; ".join(str(value) for value in obj.details.values() if value) or "—"

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
