"""Signal receivers of the accounts app, connected in ``AccountsConfig.ready()``."""

from .services import login_failure_record, login_lockout_record, user_session_start, user_signed_out_record


def session_started(sender, request, user, **kwargs):
    """Record the session of every sign-in, whichever view signed the user in."""
    user_session_start(request=request, user=user)


def login_locked_out(sender, request, username, **kwargs):
    """Record a lock-out in the audit log of the account it protects."""
    login_lockout_record(username=username)


def login_failed(sender, credentials, request=None, **kwargs):
    """Record a failed sign-in in the audit log of the account it was aimed at."""
    login_failure_record(request=request, credentials=credentials)


def signed_out(sender, request, user, **kwargs):
    """Record a sign-out in the user's audit log."""
    user_signed_out_record(user=user)
