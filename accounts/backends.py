"""Authentication by username or email address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


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
