from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditEvent

# SECURITY: django-otp's own admin shows TOTP keys and QR codes to staff. Nobody
# but the learner ever sees their key; devices are managed on the Privacy tab.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


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
