from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from compliance.admin_mixins import AccessTransparencyMixin, StaffSearchMixin
from learnerportal.admin import PermittedActionsMixin

from .exceptions import AccountChangeRefused, TwoFactorError
from .models import Course, Enrollment, Partner, Payment, Profile, User
from .selectors import access_account_credentials, profile_regime
from .services import account_change_refused_record, account_password_set, account_update, profile_regime_override
from .services.profiles import RECORD_REGIME
from .two_factor import staff_enrolment_link_send


class ProfileInline(admin.StackedInline):
    """The learner's profile, read-only: staff correct it only by approving a rectification request."""

    model = Profile
    can_delete = False
    fields = ("full_name", "bio", "country", "education_level", "occupation", "timezone")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SuperusersChangeMixin:
    """Let only superusers add, change and delete these records; others with the view permission look.

    SECURITY: Django's add/change/delete permissions alone would let a staff member set a
    superuser's email or password and sign in as them, or give themselves rights through a group.
    """

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(
    PermittedActionsMixin, SuperusersChangeMixin, StaffSearchMixin, AccessTransparencyMixin, DjangoUserAdmin
):
    """Accounts: superusers change them; other staff look, and every look is recorded.

    Only a superuser adds, changes or deletes an account, sets its password or sends
    it a two-factor enrolment link (``access_account_credentials``). Other staff,
    whatever Django permissions they hold, get a 403 on those pages and on a list
    action they are not offered, and the attempt is written to the account's audit
    log. Staff other than superusers see the list without email addresses and search
    by an exact username or email only; each account a list or a search shows is
    recorded in its owner's audit log, like opening it.
    """

    access_view_name = gettext_noop("your account and profile")
    access_list_name = gettext_noop("your account")
    fieldsets = (
        (None, {"fields": ("username", "email", "password")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "usable_password", "password1", "password2")}),
    )
    list_display = ("username", "email", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "email")
    search_help_text = _("Search by username or email address.")
    #: The list for staff other than superusers: no email addresses, and exact matches only, so
    #: that a search finds the one account asked about (recorded) and never lists addresses by a fragment.
    staff_list_display = ("username", "is_staff", "is_active", "date_joined")
    staff_search_fields = ("=username", "=email")
    staff_search_help_text = _("Type a username or an email address in full; each account found is recorded.")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    actions = ["send_two_factor_enrolment_link"]

    #: Action name → what the account's owner is told a refused staff member tried: recorded in English,
    #: shown in the owner's language (``compliance.selectors.audit_event_description``).
    refused_action_attempts = {
        "delete_selected": gettext_noop("delete your account"),
        "send_two_factor_enrolment_link": gettext_noop("email your account a two-factor enrolment link"),
    }

    def action_refused(self, request, action, object_ids):
        """Write the refused action to the audit log of each selected account (never the action's name if forged)."""
        attempt = self.refused_action_attempts.get(action, gettext_noop("take an admin action on your account"))
        ids = [pk for pk in object_ids if str(pk).isdigit()]
        for user in self.get_queryset(request).filter(pk__in=ids):
            account_change_refused_record(actor=request.user, user=user, attempt=attempt)

    def has_enrol_permission(self, request):
        return request.user.is_superuser

    def get_list_display(self, request):
        return self.list_display if request.user.is_superuser else self.staff_list_display

    def lookup_allowed(self, lookup, value, request):
        # SECURITY: other staff filter by the list's filters only: "?email__startswith=a" in the
        # address bar would list addresses by a fragment, which their search does not.
        if not request.user.is_superuser and lookup.split(LOOKUP_SEP)[0] not in self.list_filter:
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.is_superuser:
            return fieldsets
        # No password summary, nor its button to a page they may not open.
        return [
            (name, {**options, "fields": [field for field in options["fields"] if field != "password"]})
            for name, options in fieldsets
        ]

    def account_change_check(self, request, object_id, *, what, attempt):
        """Return the account ``object_id`` if the signed-in staff member may change its ``what``, or None if none.

        Raises:
            PermissionDenied: they may not (``access_account_credentials``); the attempt,
                in the owner's words (``attempt``), is first written to the account's audit log.
        """
        user = self.get_object(request, unquote(object_id))
        if user is None:
            return None
        try:
            access_account_credentials(actor=request.user, user=user, what=what)
        except AccountChangeRefused as error:
            account_change_refused_record(actor=request.user, user=user, attempt=attempt)
            raise PermissionDenied(error.detail) from error
        return user

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Checked before Django's transaction starts, so that the refusal's audit row is kept.
        if object_id is not None and request.method == "POST":
            self.account_change_check(
                request, object_id, what="account details", attempt=gettext_noop("change your account details")
            )
        return super().changeform_view(request, object_id, form_url=form_url, extra_context=extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self.account_change_check(request, object_id, what="account", attempt=gettext_noop("delete your account"))
        return super().delete_view(request, object_id, extra_context=extra_context)

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        """Django's page to set someone's password, for superusers; saving goes through ``account_password_set``."""
        user = self.account_change_check(request, id, what="password", attempt=gettext_noop("set your password"))
        if user is None or request.method != "POST":
            return super().user_change_password(request, id, form_url=form_url)
        form = self.change_password_form(user, request.POST)
        if not form.is_valid() or not (form.cleaned_data["set_usable_password"] or "unset-password" in request.POST):
            return super().user_change_password(request, id, form_url=form_url)  # Django shows what is wrong
        password = form.cleaned_data["password1"] if form.cleaned_data["set_usable_password"] else None
        account_password_set(actor=request.user, user=user, password=password)
        self.log_change(request, user, self.construct_change_message(request, form, None))
        if password is None:
            self.message_user(request, gettext("Password-based authentication was disabled."), messages.SUCCESS)
        else:
            self.message_user(request, gettext("Password changed successfully."), messages.SUCCESS)
        update_session_auth_hash(request, user)
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:accounts_user_change", args=[user.pk]))

    @admin.action(description=_("Email a two-factor enrolment link"), permissions=["enrol"])
    def send_two_factor_enrolment_link(self, request, queryset):
        """Email each selected staff member without 2FA the link to turn it on (superusers only)."""
        for user in queryset:
            try:
                staff_enrolment_link_send(actor=request.user, user=user)
            except (AccountChangeRefused, TwoFactorError) as error:
                self.message_user(
                    request,
                    gettext("No link sent to %(username)s: %(reason)s")
                    % {"username": user.username, "reason": error.detail},
                    messages.WARNING,
                )
            else:
                self.log_change(request, user, "Emailed a two-factor enrolment link.")
                self.message_user(
                    request,
                    gettext("Enrolment link emailed to %(username)s.") % {"username": user.username},
                    messages.SUCCESS,
                )

    def get_inlines(self, request, obj):
        return [ProfileInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            account_update(actor=request.user, user=obj, fields=form.changed_data)
            return
        super().save_model(request, obj, form, change)
        Profile.objects.get_or_create(user=obj)  # every user has a profile


class RegimeForm(forms.ModelForm):
    """The regime staff record for a learner, and why (``profile_regime_override`` saves it)."""

    class Meta:
        model = Profile
        fields = ("regime_override", "regime_override_reason")
        widgets = {"regime_override_reason": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("regime_override") and not (cleaned.get("regime_override_reason") or "").strip():
            self.add_error(
                "regime_override_reason",
                forms.ValidationError(_("Say why this regime applies to the learner."), code="required"),
            )
        return cleaned


@admin.register(Profile)
class LearnerRegimeAdmin(AccessTransparencyMixin, StaffSearchMixin, admin.ModelAdmin):
    """Which data-protection regime applies to each learner; staff with ``record_regime`` record another, with why.

    Only the regime is changed here: the profile itself is the learner's to change.
    Each recording writes an audit row (``profile_regime_override``).
    """

    form = RegimeForm
    access_view_name = gettext_noop("your country and the data-protection law that applies to you")
    access_list_name = "your country and the data-protection law that applies to you"
    list_display = ("user", "country", "us_state", "regime_applied", "regime_override")
    list_filter = ("regime_override",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    staff_search_fields = ("user__username", "=user__email")
    fields = ("user", "country", "us_state", "regime_applied", "regime_override", "regime_override_reason")
    readonly_fields = ("user", "country", "us_state", "regime_applied")

    @admin.display(description=_("regime that applies"))
    def regime_applied(self, obj):
        return profile_regime(obj).name

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(RECORD_REGIME) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(RECORD_REGIME)

    def has_module_permission(self, request):
        return self.has_view_permission(request) or super().has_module_permission(request)

    def save_model(self, request, obj, form, change):
        profile_regime_override(
            actor=request.user,
            user=obj.user,
            regime_key=form.cleaned_data["regime_override"],
            reason=form.cleaned_data["regime_override_reason"],
        )


# Django's group admin, for superusers only: a group's permissions are the rights of every staff
# member in it, and only superusers change someone's rights.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperusersChangeMixin, DjangoGroupAdmin):
    """Staff groups and their permissions: anyone with the view permission looks, only superusers change them."""


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
    access_view_name = gettext_noop("a course enrollment of yours")
    list_display = ("user", "course", "progress_percent", "grade_percent", "completed_at")
    list_filter = ("course",)
    search_fields = ("user__username",)
    list_select_related = ("user", "course")
    raw_id_fields = ("user",)


@admin.register(Payment)
class PaymentAdmin(AccessTransparencyMixin, admin.ModelAdmin):
    access_view_name = gettext_noop("a payment of yours")
    list_display = ("reference", "user", "course", "amount", "currency", "paid_at")
    search_fields = ("user__username", "reference")
    list_select_related = ("user", "course")
    raw_id_fields = ("user",)


# django-axes' own admin of failed sign-ins, with access transparency: the attempts hold the
# username typed and the IP address. Without the form, query string and Accept header, which
# are never stored (accounts.signals.failed_sign_in_minimise).
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AccessTransparencyMixin, AxesAccessAttemptAdmin):
    access_view_name = gettext_noop("failed sign-in attempts on your account")
    fieldsets = (
        (None, {"fields": ("username", "path_info", "failures_since_start", "attempt_time")}),
        (_("Client"), {"fields": ("ip_address", "user_agent")}),
    )
