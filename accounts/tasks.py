"""Background work of the accounts app, through Django's ``django.tasks`` API."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.tasks import task


@task()
def send_account_notice(user_id, subject, what):
    """Tell an account's owner what changed, so that a change they did not expect is noticed."""
    user = get_user_model().objects.get(pk=user_id)
    body = (
        f"Hello,\n\n{what}\n\nIf you did not expect this, reset your password and tell us by replying "
        "to this email.\n\n-- Learner Portal\n"
    )
    send_mail(subject, body, None, [user.email])
