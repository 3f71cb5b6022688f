"""Authentication by username or email address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import OuterRef, Q, Subquery

from .models import AccountRecovery


class UsernameOrEmailBackend(ModelBackend):
    """Authenticate with a username or an email address (case-insensitive) and a password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        identifier = username.strip()
        user = User._default_manager.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier)).first()
        if user is None:
            # SECURITY: hash anyway so response time does not reveal whether the account exists.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """Return the signed-in user for a session, with its profile and profile visibility joined.

        Nearly every page shows the avatar (profile) and the privacy pages read the
        visibility, and every page tells of a running account recovery, so one query
        serves all four: ``user.recovery_waiting_until`` is the end of the waiting period
        of the account's running recovery (aware datetime), or None. None for an unknown
        or inactive user.
        """
        User = get_user_model()
        waiting = AccountRecovery.objects.filter(user=OuterRef("pk"), status=AccountRecovery.Status.WAITING)
        user = (
            User._default_manager.select_related("profile", "profile_visibility")
            .annotate(recovery_waiting_until=Subquery(waiting.values("completes_at")[:1]))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None


def axes_username(request, credentials):
    """Return the name django-axes counts a sign-in attempt against.

    "amara", "AMARA" and "amara@example.org" are one account, so they share one
    failure count: an attacker gets no extra guesses by varying the case or by
    typing the email address instead of the username.

    Args:
        request: the sign-in request; its POSTed ``username`` is used when
            ``credentials`` do not name one.
        credentials: the credentials given to ``authenticate()``, or None.

    Returns:
        the account's username when the identifier matches an account by username
        or email (case-insensitive); otherwise the identifier lower-cased, so an
        unknown name is counted (and locked) exactly like a real one. None when
        there is no identifier.
    """
    if credentials and credentials.get("username") is not None:
        identifier = credentials["username"]
    else:
        identifier = getattr(request, "POST", {}).get("username")
    if identifier is None:
        return None
    # AccessAttempt.username holds 255 characters.
    identifier = str(identifier).strip()[:255]
    User = get_user_model()
    username = (
        User._default_manager.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))
        .values_list("username", flat=True)
        .first()
    )
    return username or identifier.lower()
