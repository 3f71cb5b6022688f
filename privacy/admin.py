from django.contrib import admin, messages

from .admin_mixins import AccessTransparencyMixin, StaffSearchMixin
from .exceptions import PrivacyError
from .models import ACTOR_ROLE_FOR_STAFF, AuditEvent, PolicyVersion, ProcessingRestriction, ProcessingRun
from .selectors import in_staff_words
from .services import policy_activate, restriction_lift, restriction_start


class PseudonymisedFilter(admin.SimpleListFilter):
    """Filter events by whether their data subject's account was erased."""

    title = "erased accounts"
    parameter_name = "erased"

    def lookups(self, request, model_admin):
        return [("no", "Current accounts"), ("yes", "Erased accounts (pseudonymised)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pseudonymised_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(pseudonymised_at__isnull=True)
        return queryset


class ActorRoleFilter(admin.SimpleListFilter):
    """Filter events by the capacity their actor acted in, with the officer's labels."""

    title = "actor's role"
    parameter_name = "actor_role"

    def lookups(self, request, model_admin):
        return list(ACTOR_ROLE_FOR_STAFF.items())

    def queryset(self, request, queryset):
        return queryset.filter(actor_role=self.value()) if self.value() else queryset


#: Keys of ``AuditEvent.changes`` whose values are written in the learner's words ("your account").
LEARNERS_WORDS = ("view", "attempt")


def audit_changes_summary(event):
    """Return an event's recorded details for the officer, e.g. ``"bio: private → public; request: DSR-…"``.

    ``changes`` holds names and settings, never personal data or secrets (see ``AuditEvent``).
    """
    parts = []
    for key, value in (event.changes or {}).items():
        if isinstance(value, list) and len(value) == 2 and key != "fields":
            value = f"{value[0]} → {value[1]}"
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        parts.append(f"{key.replace('_', ' ')}: {in_staff_words(value) if key in LEARNERS_WORDS else value}")
    return "; ".join(parts) or "—"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log for the privacy officer: filterable, read-only (the database refuses edits anyway).

    Only the privacy officer's group has the view permission. Support agents do
    not: the log is how their own access to learners' data is overseen, and it
    holds every learner's sign-in networks, which working a request never needs.
    """

    list_display = ("created_at", "subject", "actor", "role", "action", "summary", "network", "request_id")
    list_filter = ("action", ActorRoleFilter, PseudonymisedFilter, "created_at")
    search_fields = ("subject__username", "actor__username", "request_id", "changes__request")
    search_help_text = "Search by learner's or staff member's username, request id, or data-rights request reference."
    list_select_related = ("subject", "actor")
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "subject",
        "actor",
        "role",
        "action",
        "summary",
        "network",
        "request_id",
        "pseudonymised_at",
    ]
    readonly_fields = fields

    @admin.display(description="actor's role", ordering="actor_role")
    def role(self, obj):
        return ACTOR_ROLE_FOR_STAFF.get(obj.actor_role, obj.actor_role)

    @admin.display(description="details")
    def summary(self, obj):
        return audit_changes_summary(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProcessingRestriction)
class ProcessingRestrictionAdmin(StaffSearchMixin, AccessTransparencyMixin, admin.ModelAdmin):
    """Restrictions of processing (GDPR Art. 18): see who is restricted; lift one, telling the learner first."""

    list_display = ("user", "started_at", "lifted_at")
    list_filter = (("lifted_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__username", "user__email")
    search_help_text = "Search by username or email address."
    #: Staff other than superusers find a learner by their whole email address only, as in the
    #: account list: a fragment such as "example" would list every learner whose address has it.
    staff_search_fields = ("user__username", "=user__email")
    staff_search_help_text = "Search by username, or an email address in full."
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    actions = ["lift"]
    access_view_name = "your restriction of processing"

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

    @admin.action(description="Lift the restriction (the learner is told first)", permissions=["change"])
    def lift(self, request, queryset):
        lifted = [
            r for r in queryset.filter(lifted_at__isnull=True) if restriction_lift(actor=request.user, user=r.user)
        ]
        self.message_user(request, f"Lifted {len(lifted)} restriction(s); each learner was emailed first.")


@admin.register(ProcessingRun)
class ProcessingRunAdmin(AccessTransparencyMixin, admin.ModelAdmin):
    """Digest and export runs: who ran what, when, for how many learners (read-only)."""

    list_display = ("kind", "created_at", "actor", "included", "excluded")
    access_view_name = "a record of a job you ran"
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

    @admin.action(description="Activate (learners are asked to confirm again)", permissions=["change"])
    def activate(self, request, queryset):
        for policy in queryset:
            try:
                activated = policy_activate(actor=request.user, policy=policy)
            except PrivacyError as error:
                self.message_user(request, error.detail, messages.ERROR)
            else:
                self.message_user(request, f"{activated} is now in force; learners are being emailed the summary.")
