"""Signal receivers of the privacy app, connected in ``PrivacyConfig.ready()``."""

from .reauthentication import authentication_mark


def mark_authenticated_on_login(sender, request, user, **kwargs):
    """Start the sign-in's "recently authenticated" window (see ``reauthentication``)."""
    if request is not None:
        authentication_mark(request)
