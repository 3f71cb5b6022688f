"""Course recommendations: personalisation from a learner's enrollments, only with their consent."""

from django.db.models import Count

from accounts.models import Course, Enrollment
from compliance.registry import Purpose

from .selectors import may_process


def recommended_courses(user, limit=3):
    """Return courses to recommend to ``user`` from their enrollment history, most popular first.

    Recommends the other courses of the partners whose courses the learner is
    enrolled in, ordered by how many learners are enrolled in each (then by
    title). This is personalisation (GDPR Art. 6(1)(a)): callers ask
    ``may_process(user, Purpose.PERSONALIZATION)`` first, as ``dashboard_recommendations`` does.

    Args:
        user: the learner.
        limit: how many courses at most (int > 0).

    Returns:
        list of ``Course`` the learner is not enrolled in, with ``partner``
        loaded and ``learner_count`` (int) annotated; empty without enrollments.
    """
    enrollments = Enrollment.objects.filter(user=user)
    return list(
        Course.objects.filter(partner__in=enrollments.values("course__partner"))
        .exclude(pk__in=enrollments.values("course"))
        .select_related("partner")
        .annotate(learner_count=Count("enrollments"))
        .order_by("-learner_count", "title", "pk")[:limit]
    )


def dashboard_recommendations(user):
    """Return whether ``user`` allows personalisation and, if so, the courses to recommend to them.

    Returns:
        ``(allowed, courses)``: bool, and the list from ``recommended_courses`` (empty when not allowed).
    """
    allowed = may_process(user, Purpose.PERSONALIZATION)
    return allowed, recommended_courses(user) if allowed else []
