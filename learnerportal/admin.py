"""The admin site: staff only, and only after the second factor in this session."""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device
from django_otp.admin import OTPAdminSite


class PermittedActionsMixin:
    """Answer 403 to a POST naming an admin action the staff member is not offered.

    Django treats such an action as none chosen: the list is shown again (or a
    "No action selected" message), so a forged action went unnoticed. Here it is
    refused, and ``action_refused`` is told first, so that an admin whose records
    are accounts can write the attempt to their owners' audit logs. The site
    mixes this into every admin registered on it (``PortalAdminSite.register``);
    an admin that overrides ``action_refused`` names it among its bases itself.
    """

    def action_refused(self, request, action, object_ids):
        """Record a refused ``action`` (a name sent in the POST) on the records ``object_ids`` (strings, as posted).

        Nothing by default; override where the records belong to someone who should hear of it.
        """

    def actions_check(self, request, location, object_ids):
        """Raise ``PermissionDenied`` when the POST names an action not offered at ``location`` to this user.

        Only a name the page did not offer is refused: an empty choice ("---------")
        is left to Django, which asks to choose one.
        """
        if request.method != "POST":
            return
        field = "action" if location == ActionLocation.CHANGE_LIST else f"{location.value}-action"
        offered = self.get_actions(request, action_location=location)
        for action in request.POST.getlist(field):
            # SECURITY: a name the action menu did not offer is a forged request, not a mistake.
            if action and action not in offered:
                self.action_refused(request, action, object_ids)
                raise PermissionDenied("You may not take this action.")

    def changelist_view(self, request, extra_context=None):
        self.actions_check(request, ActionLocation.CHANGE_LIST, request.POST.getlist(ACTION_CHECKBOX_NAME))
        return super().changelist_view(request, extra_context=extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Checked before Django's transaction starts, so that a refusal's audit rows are kept.
        if object_id is not None:
            self.actions_check(request, ActionLocation.CHANGE_FORM, [object_id])
        return super().changeform_view(request, object_id, form_url=form_url, extra_context=extra_context)


class PortalAdminSite(OTPAdminSite):
    """Django admin for staff who passed two-factor authentication in this session.

    django-otp's ``OTPAdminSite`` decides who may enter: staff verified by an
    authenticator in this session (``has_permission``); a password alone never
    opens the admin. Its login page (password, a menu of devices and a code on one
    form) is not used, so staff see one sign-in everywhere: the portal's own page,
    password then code (``login``). Staff without an authenticator are sent to set
    one up first, which takes an enrolment link from a superuser (``privacy.tokens``).
    """

    site_header = _("Learner Portal staff")
    site_title = _("Learner Portal staff")
    index_title = _("Data-rights work")
    enable_nav_sidebar = False  # the request queue needs the page's width

    def __init__(self, name="admin"):
        # OTPAdminSite names itself "otpadmin"; the URLs stay in the "admin" namespace.
        super().__init__(name)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register like Django, with ``PermittedActionsMixin`` mixed into the admin class (third parties' too)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, PermittedActionsMixin):
            admin_class = type(
                admin_class.__name__,
                (PermittedActionsMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        return super().register(model_or_iterable, admin_class, **options)

    def password_change(self, request, extra_context=None):
        """Send staff to Settings → Security to change their password, whatever the method.

        SECURITY: Django's admin form would change it without the portal's audit row and
        without revoking the account's API tokens (``accounts.services.password_changed``).
        """
        return redirect("accounts:settings_security")

    def password_change_done(self, request, extra_context=None):
        """Send to Settings → Security, where a password change shows its confirmation."""
        return redirect("accounts:settings_security")

    def login(self, request, extra_context=None):
        """Send to the portal's sign-in (or 2FA set-up); a signed-in learner gets a 403 page.

        Raises:
            PermissionDenied: for a signed-in account without staff status (sending it
                to sign in would bring it straight back here, in a loop).
        """
        if request.user.is_authenticated and not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied(gettext("The admin site is for staff."))
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not user.is_verified():
            if not user_has_device(user):
                messages.info(
                    request,
                    "Staff must turn on two-factor authentication before using the admin site, "
                    "with an enrolment link from a superuser.",
                )
                return redirect("privacy:two_factor_setup")
            # Signed in with the password only (2FA turned on elsewhere): sign in again with a code.
            logout(request)
            messages.info(request, "Sign in again with your code to use the admin site.")
        return redirect_to_login(next_url, login_url=reverse("accounts:login"))
