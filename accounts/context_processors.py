"""Template context of the accounts app, on every page."""

from .selectors import account_recovery_waiting


def account_recovery(request):
    """Add ``recovery_waiting_until``: when a running recovery of the signed-in account removes its second factors.

    Every signed-in page shows it with a button to cancel (``templates/accounts/_recovery_banner.html``), so
    that whoever started a recovery with only the password cannot hide it from the owner's sessions.

    Returns:
        ``{"recovery_waiting_until": aware datetime or None}``; read from the user row the session
        loaded (``UsernameOrEmailBackend.get_user``), else one query.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"recovery_waiting_until": None}
    if hasattr(user, "recovery_waiting_until"):
        return {"recovery_waiting_until": user.recovery_waiting_until}
    recovery = account_recovery_waiting(user)
    return {"recovery_waiting_until": recovery.completes_at if recovery else None}
