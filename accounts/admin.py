from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from privacy.admin_mixins import AccessTransparencyMixin
from privacy.exceptions import TwoFactorError
from privacy.services import staff_enrolment_link_send

from .models import Course, Enrollment, Partner, Payment, Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ("full_name", "bio", "country", "education_level", "occupation", "timezone")


@admin.register(User)
class UserAdmin(AccessTransparencyMixin, DjangoUserAdmin):
    access_view_name = "your account and profile"
    fieldsets = (
        (None, {"fields": ("username", "email", "password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "usable_password", "password1", "password2")}),
    )
    list_display = ("username", "email", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "email")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    actions = ["send_two_factor_enrolment_link"]

    def has_enrol_permission(self, request):
        return request.user.is_superuser

    @admin.action(description="Email a two-factor enrolment link", permissions=["enrol"])
    def send_two_factor_enrolment_link(self, request, queryset):
        """Email each selected staff member without 2FA the link to turn it on (superusers only)."""
        for user in queryset:
            try:
                staff_enrolment_link_send(actor=request.user, user=user)
            except TwoFactorError as error:
                self.message_user(request, f"No link sent to {user.username}: {error.detail}", messages.WARNING)
            else:
                self.log_change(request, user, "Emailed a two-factor enrolment link.")
                self.message_user(request, f"Enrolment link emailed to {user.username}.", messages.SUCCESS)

    def get_readonly_fields(self, request, obj=None):
        # SECURITY: only superusers grant admin rights, so staff cannot raise their own.
        if request.user.is_superuser:
            return self.readonly_fields
        return (*self.readonly_fields, "is_staff", "is_superuser", "groups", "user_permissions")

    def get_inlines(self, request, obj):
        return [ProfileInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            Profile.objects.get_or_create(user=obj)  # every user has a profile


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "partner", "slug")
    list_filter = ("partner",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Enrollment)
class EnrollmentAdmin(AccessTransparencyMixin, admin.ModelAdmin):
    access_view_name = "a course enrollment of yours"
    list_display = ("user", "course", "progress_percent", "grade_percent", "completed_at")
    list_filter = ("course",)
    search_fields = ("user__username",)
    list_select_related = ("user", "course")
    raw_id_fields = ("user",)


@admin.register(Payment)
class PaymentAdmin(AccessTransparencyMixin, admin.ModelAdmin):
    access_view_name = "a payment of yours"
    list_display = ("reference", "user", "course", "amount", "currency", "paid_at")
    search_fields = ("user__username", "reference")
    list_select_related = ("user", "course")
    raw_id_fields = ("user",)


# django-axes' own admin of failed sign-ins, with access transparency: the attempts hold the
# username typed and the IP address.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AccessTransparencyMixin, AxesAccessAttemptAdmin):
    access_view_name = "failed sign-in attempts on your account"
