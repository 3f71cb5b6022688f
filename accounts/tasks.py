"""Background work of the accounts app, through Django's ``django.tasks`` API."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.tasks import task
from django.utils.translation import gettext

from .languages import in_language_and_time_zone_of


@task()
def send_account_notice(user_id, subject, what):
    """Tell an account's owner what changed, so that a change they did not expect is noticed.

    ``subject`` and ``what`` are English source texts (marked with ``gettext_noop`` where they are
    written): they are translated here, into the owner's language, whoever made the change.
    """
    user = get_user_model().objects.get(pk=user_id)
    with in_language_and_time_zone_of(user):
        body = gettext(
            "Hello,\n\n%(what)s\n\nIf you did not expect this, reset your password and tell us by replying "
            "to this email.\n\n-- Learner Portal\n"
        ) % {"what": gettext(what)}
        subject = gettext(subject)
    send_mail(subject, body, None, [user.email])
