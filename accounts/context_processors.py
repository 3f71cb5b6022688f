"""Template context of the accounts app, on every page."""

from . import conf
from .selectors import account_recovery_waiting


def account_recovery(request):
    """Add when a running recovery of the signed-in account removes its second factors, and how long recoveries wait.

    Every signed-in page shows the first with a button to cancel (``templates/accounts/_recovery_banner.html``),
    so that whoever started a recovery with only the password cannot hide it from the owner's sessions.

    Returns:
        ``{"recovery_waiting_until": aware datetime or None, "recovery_wait_hours": int}``: the first read from
        the user row the session loaded (``UsernameOrEmailBackend.get_user``), else one query; the second is
        ``ACCOUNTS_RECOVERY_WAIT_SECONDS`` in hours.
    """
    hours = conf.RECOVERY_WAIT_SECONDS // 3600
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"recovery_waiting_until": None, "recovery_wait_hours": hours}
    if hasattr(user, "recovery_waiting_until"):
        return {"recovery_waiting_until": user.recovery_waiting_until, "recovery_wait_hours": hours}
    recovery = account_recovery_waiting(user)
    return {"recovery_waiting_until": recovery.completes_at if recovery else None, "recovery_wait_hours": hours}
