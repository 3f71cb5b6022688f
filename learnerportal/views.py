"""The portal's home page: the learner's dashboard, or the portal explained to a visitor."""

from django.shortcuts import redirect, render

from accounts.selectors import enrollments_of
from accounts.two_factor import two_factor_login_pending_user
from privacy.recommendations import dashboard_recommendations
from privacy.selectors import list_length_asked, privacy_at_a_glance, privacy_checkup_due
from rights_requests.selectors import open_requests_of
from rights_requests.standings import requests_in_force_of


def home(request):
    """Show the learner's dashboard, or explain the portal to a visitor.

    The dashboard has the learner's courses (the newest 20 unless ``?lists=all``,
    ``privacy.selectors.list_length_asked``), recommendations (only with their consent), a privacy
    checkup (who sees the profile, 2FA, consents) and the data-rights requests
    still open or keeping a restriction of processing in force.
    """
    if not request.user.is_authenticated:
        if two_factor_login_pending_user(request) is not None:  # passed the password: on to the code step
            return redirect("accounts:two_factor_login")
        return render(request, "accounts/landing.html")
    personalization, recommendations = dashboard_recommendations(request.user)
    enrollments, enrollment_count = enrollments_of(request.user, limit=list_length_asked(request))
    return render(
        request,
        "accounts/home.html",
        {
            "enrollments": enrollments,
            "more_enrollments": enrollment_count - len(enrollments),
            "enrollment_count": enrollment_count,
            "personalization": personalization,
            "recommendations": recommendations,
            "checkup_due": privacy_checkup_due(request),
            "privacy": privacy_at_a_glance(request.user),
            "open_requests": [*open_requests_of(request.user), *requests_in_force_of(request.user)],
        },
    )
