"""Password changes (on the Security tab, by a reset link sent by email), and securing sign-in after them."""

from django.db import transaction
from django.utils.translation import gettext_noop

from compliance.models import AuditEvent
from compliance.services import audit_record

from ..tasks import send_account_notice
from .sessions import user_sessions_end_others
from .sign_in import user_lockout_clear
from .tokens import personal_access_tokens_revoke_all

#: The subject of the email telling an account's owner that its sign-in changed.
SIGN_IN_CHANGED = gettext_noop("Your Learner Portal sign-in changed")


def sign_in_change_tell(*, user, what):
    """Email the account's address that ``what`` happened to its sign-in, after the transaction commits.

    So that a change its owner did not make (a password, a second factor) is noticed at once.
    ``what`` is an English sentence marked with ``gettext_noop``: the email is written in the
    owner's language (``accounts.tasks.send_account_notice``), not the language of whoever acted.
    """
    transaction.on_commit(lambda: send_account_notice.enqueue(user_id=user.pk, subject=SIGN_IN_CHANGED, what=what))


@transaction.atomic
def password_changed(*, user):
    """Record that ``user`` changed their password on the Security tab, and revoke their API tokens.

    Django's password change ends the other sessions (their auth hash no longer
    matches); whoever had the old password may also have made API tokens.

    The account's address is emailed, so that a change its owner did not make is noticed.

    Returns:
        how many API tokens were revoked.
    """
    audit_record(actor=user, subject=user, action=AuditEvent.Action.PASSWORD_CHANGED)
    sign_in_change_tell(user=user, what=gettext_noop("The password of your Learner Portal account was changed."))
    return personal_access_tokens_revoke_all(actor=user, user=user)


@transaction.atomic
def password_reset_completed(*, user):
    """Finish a password reset by email: audit it, end every session, revoke every API token, lift the lockout.

    Whoever had the old password is signed out everywhere and loses any token they
    made; the owner, who proved control of the address, may sign in again at once, and
    is emailed about it.
    """
    audit_record(actor=user, subject=user, action=AuditEvent.Action.PASSWORD_RESET)
    sign_in_change_tell(
        user=user,
        what=gettext_noop("The password of your Learner Portal account was reset with a link sent to this address."),
    )
    sign_in_secure(user=user, current_session_key=None)
    user_lockout_clear(user=user)


@transaction.atomic
def sign_in_secure(*, user, current_session_key):
    """End every other session of ``user`` and revoke their API tokens, after their sign-in was made safer.

    Whoever had only the old password (or signed in before a second factor was
    required) is signed out everywhere, and loses any API token they made.

    Args:
        current_session_key: the session to keep (the one that made the change), or None to end all.

    Returns:
        int: how many API tokens were revoked.
    """
    user_sessions_end_others(actor=user, user=user, current_session_key=current_session_key)
    return personal_access_tokens_revoke_all(actor=user, user=user)
