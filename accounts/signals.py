"""Signal receivers of the accounts app, connected in ``AccountsConfig.ready()``."""

from .services import login_lockout_record, user_session_start


def session_started(sender, request, user, **kwargs):
    """Record the session of every sign-in, whichever view signed the user in."""
    user_session_start(request=request, user=user)


def login_locked_out(sender, request, username, **kwargs):
    """Record a lock-out in the audit log of the account it protects."""
    login_lockout_record(username=username)
