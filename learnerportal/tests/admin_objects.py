"""One saved row of every model registered in admin, for tests that open each admin page."""

import datetime
import decimal

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Payment
from compliance.models import AuditEvent
from learnerportal.tests.factories import CourseFactory, EnrollmentFactory, PartnerFactory
from privacy.models import PolicyVersion, ProcessingRestriction, ProcessingRun
from rights_requests import services as rr_services


def one_of_each(learner):
    """Return ``{model label: a saved instance}`` for every model in admin, made for (or about) ``learner``.

    Rows the portal makes itself are made through its services where that is short.
    """
    course = CourseFactory()
    request = rr_services.request_submit(
        actor=learner, subject=learner, request_type="restriction", details={"reason": "Checking my data"}
    )
    now = timezone.now()
    attempt = {
        "user_agent": "test",
        "ip_address": "127.0.0.1",
        "username": "x",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }
    return {
        "accounts.User": learner,
        "accounts.Partner": PartnerFactory(),
        "accounts.Course": course,
        "accounts.Enrollment": EnrollmentFactory(user=learner, course=course),
        "accounts.Payment": Payment.objects.create(
            user=learner, course=course, amount=decimal.Decimal("49.00"), currency="EUR", method_summary="Visa"
        ),
        "auth.Group": Group.objects.first(),
        "axes.AccessAttempt": AccessAttempt.objects.create(failures_since_start=1, **attempt),
        "axes.AccessLog": AccessLog.objects.create(attempt_time=now, **attempt),
        "axes.AccessFailureLog": AccessFailureLog.objects.create(attempt_time=now, locked_out=False, **attempt),
        "compliance.AuditEvent": AuditEvent.objects.filter(subject=learner).first(),
        "privacy.ProcessingRestriction": ProcessingRestriction.objects.get(user=learner, lifted_at=None),
        "privacy.ProcessingRun": ProcessingRun.objects.create(kind=ProcessingRun.Kind.values[0]),
        "privacy.PolicyVersion": PolicyVersion.objects.first()
        or PolicyVersion.objects.create(
            kind="privacy", version="2026-12", effective_date=datetime.date.today(), summary="s", text="t"
        ),
        "rights_requests.RightsRequest": request,
        "django_tasks_database.DBTaskResult": DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="rights_requests.tasks.x",
            backend_name="default",
            run_after=now,
            exception_class_path="",
            traceback="",
        ),
    }
