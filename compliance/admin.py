"""The audit log in the admin, for the privacy officer."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ACTOR_ROLE_FOR_STAFF, AuditEvent
from .registry import in_staff_words
from .selectors import staff_view_for_staff


class PseudonymisedFilter(admin.SimpleListFilter):
    """Filter events by whether their data subject's account was erased."""

    title = _("erased accounts")
    parameter_name = "erased"

    def lookups(self, request, model_admin):
        return [("no", _("Current accounts")), ("yes", _("Erased accounts (pseudonymised)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pseudonymised_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(pseudonymised_at__isnull=True)
        return queryset


class ActorRoleFilter(admin.SimpleListFilter):
    """Filter events by the capacity their actor acted in, with the officer's labels."""

    title = _("actor's role")
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
    changes = dict(event.changes or {})
    if "view" in changes:
        # What a staff member saw, put together from how they saw it ("the learner's account in a list of users").
        changes["view"] = staff_view_for_staff(changes)
        changes.pop("shown", None)
        changes.pop("list", None)
    for key, value in changes.items():
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
    search_help_text = _(
        "Search by learner's or staff member's username, request id, or data-rights request reference."
    )
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

    @admin.display(description=_("actor's role"), ordering="actor_role")
    def role(self, obj):
        return ACTOR_ROLE_FOR_STAFF.get(obj.actor_role, obj.actor_role)

    @admin.display(description=_("details"))
    def summary(self, obj):
        return audit_changes_summary(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
