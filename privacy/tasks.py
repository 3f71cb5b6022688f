"""Background work of the privacy app, through Django's ``django.tasks`` API."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.tasks import task


@task()
def send_sign_in_change_email(user_id, what):
    """Tell an account's owner that its sign-in changed (``what``), so a change they did not make is noticed."""
    user = get_user_model().objects.get(pk=user_id)
    body = (
        f"Hello,\n\n{what}\n\nIf you did not do this, reset your password now and tell us by replying "
        "to this email.\n\n-- Learner Portal\n"
    )
    send_mail("Your Learner Portal sign-in changed", body, None, [user.email])
