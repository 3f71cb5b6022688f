"""The admin site: staff only, and only after the second factor in this session."""

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from privacy.selectors import two_factor_enabled


class PortalAdminSite(admin.AdminSite):
    """Django admin for staff who passed two-factor authentication in this session.

    There is no admin login form: staff sign in on the portal's own sign-in
    page (password, then code). Staff without an authenticator are sent to set
    one up first, which takes an enrolment link from a superuser (``privacy.tokens``).
    """

    site_header = "Learner Portal staff"
    site_title = "Learner Portal staff"
    index_title = "Data-rights work"
    enable_nav_sidebar = False  # the request queue needs the page's width

    def has_permission(self, request):
        # SECURITY: a password alone never opens the admin.
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        """Send to the portal's sign-in (or 2FA set-up); a signed-in learner gets a 403 page.

        Raises:
            PermissionDenied: for a signed-in account without staff status (sending it
                to sign in would bring it straight back here, in a loop).
        """
        if request.user.is_authenticated and not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied("The admin site is for staff.")
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not user.is_verified():
            if not two_factor_enabled(user):
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
