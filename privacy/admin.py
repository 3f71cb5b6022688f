from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log is read-only: nobody edits or deletes history."""

    list_display = ("created_at", "subject", "actor", "action")
    list_filter = ("action",)
    search_fields = ("subject__username",)
    list_select_related = ("subject", "actor")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
