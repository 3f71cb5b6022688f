"""Accounts: making one, and the changes superusers make to someone's account in admin."""

from django.db import transaction
from django.utils.translation import gettext_noop

from compliance.models import AuditEvent
from compliance.services import audit_record
from learnerportal.learner_cache import learner_cache_drop

from ..models import User
from ..selectors import access_account_credentials
from .passwords import sign_in_change_tell
from .tokens import personal_access_tokens_revoke_all


@transaction.atomic
def user_create(*, username, email, password, full_name=""):
    """Create a learner account with an empty, entirely private profile.

    Args:
        username: public handle, validated by ``accounts.validators.username_validator``.
        email: unique (case-insensitive) email address.
        password: the raw password, already checked by the password validators; None for
            an account without a usable one (``signup_confirm`` sets the hash chosen at sign-up).
        full_name: optional full name for the profile.

    Returns:
        the new ``User``; its profile exists and every field is private
        (GDPR Art. 25(2)).

    Raises:
        django.core.exceptions.ValidationError: for a taken or invalid username/email.
    """
    user = User(username=username, email=email)
    user.set_password(password)
    user.full_clean()
    user = User.objects.create_user(username=username, email=email, password=password)
    if full_name:
        user.profile.full_name = full_name
        user.profile.full_clean()
        user.profile.save(update_fields=["full_name", "updated_at"])
    audit_record(actor=user, subject=user, action=AuditEvent.Action.SIGNED_UP)
    return user


@transaction.atomic
def account_update(*, actor, user, fields):
    """Save the changes made to ``user``'s account in admin and record which fields changed.

    Args:
        actor: who made them; only an active superuser may (``access_account_credentials``).
        user: the account with its new values set (an admin form's validated instance).
        fields: names of the changed fields, e.g. ``["email", "groups"]``; the caller saves
            the many-to-many ones (groups, permissions) after this, in the same transaction.

    Returns:
        the saved ``User``.

    Raises:
        accounts.exceptions.AccountChangeRefused: ``actor`` may not; nothing is saved.
        django.core.exceptions.ValidationError: an invalid value; nothing is saved.
    """
    access_account_credentials(actor=actor, user=user, what="account details")
    user.full_clean()
    if "username" in fields:
        # The public profile is cached under the username: the old one's goes too (the new one's on save).
        old_username = type(user)._default_manager.filter(pk=user.pk).values_list("username", flat=True).first()
        if old_username is not None:
            learner_cache_drop(username=old_username)
    user.save()
    if fields:
        audit_record(
            actor=actor, subject=user, action=AuditEvent.Action.ACCOUNT_CHANGED, changes={"fields": sorted(fields)}
        )
    return user


@transaction.atomic
def account_password_set(*, actor, user, password):
    """Set ``user``'s password for them, or turn their password sign-in off.

    Sessions signed in with the old password stop working at their next request
    (Django's session hash); API tokens are revoked, since whoever had the old
    password may have made some; the owner is emailed when someone else did it,
    so a change they did not ask for is noticed.

    Args:
        actor: who sets it; only an active superuser may (``access_account_credentials``).
        user: whose password.
        password: the new raw password, already checked by the password validators;
            None turns password sign-in off.

    Returns:
        the saved ``User``.

    Raises:
        accounts.exceptions.AccountChangeRefused: ``actor`` may not; nothing changes.
    """
    access_account_credentials(actor=actor, user=user, what="password")
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, subject=user, action=AuditEvent.Action.PASSWORD_CHANGED)
    personal_access_tokens_revoke_all(actor=actor, user=user)
    if actor.pk != user.pk:
        sign_in_change_tell(
            user=user, what=gettext_noop("A member of staff set a new password for your Learner Portal account.")
        )
    return user


def account_change_refused_record(*, actor, user, attempt):
    """Record in ``user``'s audit log that ``actor`` tried to change their account and was refused.

    Args:
        actor: the staff member refused (``access_account_credentials``).
        user: whose account.
        attempt: what they tried, in the owner's words, e.g. ``"set your password"``;
            never the values they sent.

    Returns:
        the ``AuditEvent`` (GDPR Art. 5(2), 32(1)(b): accountability for attempts on accounts).
    """
    return audit_record(
        actor=actor, subject=user, action=AuditEvent.Action.ACCOUNT_CHANGE_REFUSED, changes={"attempt": attempt}
    )
