"""Signal receivers of the accounts app, connected in ``AccountsConfig.ready()``."""

from learnerportal.learner_cache import learner_cache_drop, learner_cache_drop_for

from .models import Enrollment
from .reauthentication import authentication_mark
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


def failed_sign_in_minimise(sender, instance, **kwargs):
    """Keep nothing of a failed sign-in's query string, form or Accept header (GDPR Art. 5(1)(c)).

    django-axes stores them with every failed attempt, masking only the fields it
    knows as names and passwords: a mistyped password in another field, a backup
    code sent with a wrong password, or a stranger's planted text would be kept and
    shown to staff. Nothing of them is needed to count failures (by account and
    by IP address), and axes has no setting to leave them out, so they are blanked
    before every save of an ``AccessAttempt``, its first and each repeated failure.
    """
    # SECURITY: never store a sign-in form's body or query string, which may hold a password.
    instance.get_data = ""
    instance.post_data = ""
    instance.http_accept = ""


def mark_authenticated_on_login(sender, request, user, **kwargs):
    """Start the sign-in's "recently authenticated" window (see ``reauthentication``)."""
    if request is not None:
        authentication_mark(request)


# What the shared cache holds of a learner's public profile is dropped once a change to it commits
# (learnerportal.learner_cache). Receivers, not calls in services: enrollments are written by the course
# platform, admin and imports as well, and a profile row that any writer saves must never be shown stale.

#: The fields of an account, and of an enrollment, that a public profile depends on.
USER_FIELDS_SHOWN = frozenset({"username", "is_active"})
ENROLLMENT_FIELDS_SHOWN = frozenset({"user", "user_id", "course", "course_id", "enrolled_at", "completed_at"})


def public_profile_account_changed(sender, instance, update_fields=None, **kwargs):
    """Drop the cached public profile of an account saved (renamed, deactivated, made) or deleted.

    A rename drops the new username here; the service that renames drops the old one.
    """
    if update_fields is None or USER_FIELDS_SHOWN & set(update_fields):
        learner_cache_drop(username=instance.get_username())


def public_profile_row_changed(sender, instance, update_fields=None, **kwargs):
    """Drop the cached public profile of the learner whose profile or enrollment was saved or deleted.

    A save of an enrollment's progress or grade alone changes no profile and drops nothing.
    """
    if sender is Enrollment and update_fields is not None and not ENROLLMENT_FIELDS_SHOWN & set(update_fields):
        return
    learner_cache_drop_for(instance)
