"""Failed sign-ins and lock-outs (django-axes counts them; these record them in the account's audit log)."""

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Sum
from django.utils import timezone

from compliance.models import AuditEvent
from compliance.services import audit_record

from ..backends import axes_username
from ..models import User


def user_lockout_clear(*, user):
    """Forget the failed sign-ins against ``user``'s account (only theirs, never an IP's).

    Called after a successful sign-in and after a password reset by email, which
    proves control of the account's address.
    """
    axes_reset(username=user.username)


def login_lockout_record(*, username):
    """Record in an account's audit log that its sign-in was locked after repeated failures.

    Recorded once per lock-out: when the account's own failures within the
    cool-off period reach ``AXES_FAILURE_LIMIT``. Failures for a name that is no
    account, and lock-outs of an IP address, record nothing.

    Args:
        username: the canonical username django-axes counted the failure against
            (``accounts.backends.axes_username``).

    Returns:
        the ``AuditEvent``, or None when nothing was recorded.
    """
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        return None
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    if failures != settings.AXES_FAILURE_LIMIT:
        return None
    return audit_record(actor=None, subject=user, action=AuditEvent.Action.LOGIN_LOCKED_OUT)


#: Where a password is checked outside the sign-in page, as the audit log names it (``changes["step"]``):
#: a wrong one counts toward the sign-in lockout like one typed at sign-in.
PASSWORD_STEPS = frozenset({"password", "public_request"})


def password_check(request, *, user, password, step="password"):
    """Return whether ``password`` is ``user``'s, counting a wrong one as a failed sign-in.

    Goes through ``authenticate``, so django-axes counts a wrong password toward the
    lockout of the account and of the client's network (``AXES_FAILURE_LIMIT`` in
    ``AXES_COOLOFF_TIME``) as at sign-in, and the account's audit log records it
    (``login_failure_record``, with ``step``): nobody can guess a password freely through a
    form that asks for it again. While the account or network is locked out, the answer is
    False whatever was typed, the attempt starts the wait again (as at sign-in), and
    ``request.axes_locked_out`` is True (``AxesMiddleware`` then answers with the lockout page).

    Args:
        request: the HTTP request that carried the password (its client's address is counted).
        step: one of ``PASSWORD_STEPS``: "password" (a signed-in session confirming it),
            "public_request" (an erasure asked for without signing in).
    """
    if step not in PASSWORD_STEPS:
        raise ValueError(f"Unknown password step {step!r}.")
    return authenticate(request, username=user.username, password=password or "", step=step) is not None


def login_failure_record(*, request, credentials):
    """Record a failed sign-in in the audit log of the account it was aimed at.

    Failures for a name that is no account record nothing (django-axes counts
    them). Attempts refused because the account or address is already locked
    out record nothing either, so hammering a locked account cannot flood the
    log; the lock-out itself is recorded once (``login_lockout_record``).

    Args:
        request: the sign-in request, or None.
        credentials: what ``authenticate()`` was given (Django has already
            masked the password); only the identifier and the ``step`` of a
            ``password_check`` are used, the identifier never stored.

    Returns:
        the ``AuditEvent``, or None when nothing was recorded.
    """
    if request is not None and getattr(request, "axes_locked_out", False):
        return None
    username = axes_username(request, credentials)
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        return None
    step = credentials.get("step") if credentials.get("step") in PASSWORD_STEPS else "password"
    return audit_record(actor=None, subject=user, action=AuditEvent.Action.LOGIN_FAILED, changes={"step": step})
