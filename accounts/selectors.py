"""Reads of the accounts app."""

from .models import Enrollment


def enrollments_of(user):
    """Return the user's enrollments, newest first, with course and partner loaded.

    Returns:
        QuerySet of ``Enrollment``.
    """
    return Enrollment.objects.filter(user=user).select_related("course__partner").order_by("-enrolled_at", "pk")
