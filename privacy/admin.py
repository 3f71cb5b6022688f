from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from compliance.admin_mixins import AccessTransparencyMixin, StaffSearchMixin

from .exceptions import PrivacyError
from .models import PolicyVersion, ProcessingRestriction, ProcessingRun
from .services import policy_activate, restriction_lift, restriction_start


@admin.register(ProcessingRestriction)
class ProcessingRestrictionAdmin(StaffSearchMixin, AccessTransparencyMixin, admin.ModelAdmin):
    """Restrictions of processing (GDPR Art. 18): see who is restricted; lift one, telling the learner first."""

    list_display = ("user", "started_at", "lifted_at")
    list_filter = (("lifted_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__username", "user__email")
    search_help_text = _("Search by username or email address.")
    #: Staff other than superusers find a learner by their whole email address only, as in the
    #: account list: a fragment such as "example" would list every learner whose address has it.
    staff_search_fields = ("user__username", "=user__email")
    staff_search_help_text = _("Search by username, or an email address in full.")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    actions = ["lift"]
    access_view_name = gettext_noop("your restriction of processing")

    def get_readonly_fields(self, request, obj=None):
        # A restriction is started here (user and reason) but never edited afterwards.
        if obj is None:
            return ("started_at", "started_by", "lifted_at")
        return ("user", "reason", "started_at", "started_by", "lifted_at")

    def save_model(self, request, obj, form, change):
        if not change:
            restricted = restriction_start(actor=request.user, user=obj.user, reason=obj.reason)
            obj.pk, obj.started_at, obj.started_by = restricted.pk, restricted.started_at, restricted.started_by

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Lift the restriction (the learner is told first)"), permissions=["change"])
    def lift(self, request, queryset):
        lifted = [
            r for r in queryset.filter(lifted_at__isnull=True) if restriction_lift(actor=request.user, user=r.user)
        ]
        self.message_user(
            request,
            ngettext(
                "Lifted %(count)s restriction(s); each learner was emailed first.",
                "Lifted %(count)s restriction(s); each learner was emailed first.",
                len(lifted),
            )
            % {"count": len(lifted)},
        )


@admin.register(ProcessingRun)
class ProcessingRunAdmin(AccessTransparencyMixin, admin.ModelAdmin):
    """Digest and export runs: who ran what, when, for how many learners (read-only)."""

    list_display = ("kind", "created_at", "actor", "included", "excluded")
    access_view_name = gettext_noop("a record of a job you ran")
    list_filter = ("kind",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Privacy policy and terms versions: write drafts, then activate one (learners confirm again)."""

    list_display = ("kind", "version", "status", "effective_date", "activated_at")
    list_filter = ("kind", "status")
    readonly_fields = ("status", "activated_at")
    actions = ["activate"]

    def has_change_permission(self, request, obj=None):
        # Only drafts may be edited: an active or archived text is what learners agreed to.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status == PolicyVersion.Status.DRAFT)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Activate (learners are asked to confirm again)"), permissions=["change"])
    def activate(self, request, queryset):
        for policy in queryset:
            try:
                activated = policy_activate(actor=request.user, policy=policy)
            except PrivacyError as error:
                self.message_user(request, error.detail, messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("%(policy)s is now in force; learners are being emailed the summary.")
                    % {"policy": activated},
                )
