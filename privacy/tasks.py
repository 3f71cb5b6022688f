"""Background work of the privacy app, through Django's ``django.tasks`` API."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.tasks import task

from .models import PolicyVersion


@task()
def send_policy_update_emails(policy_id):
    """Email every active account the summary of a newly active privacy policy."""
    policy = PolicyVersion.objects.get(pk=policy_id)
    body = (
        f"Hello,\n\nOur privacy policy changes (version {policy.version}, effective "
        f"{policy.effective_date:%d %B %Y}). What changes:\n\n{policy.summary}\n\n"
        "Next time you sign in we will ask you to confirm your choices about how we may use your data. "
        "Until then we use it only to run your courses.\n\n-- Learner Portal\n"
    )
    for email in get_user_model().objects.filter(is_active=True).values_list("email", flat=True).iterator():
        send_mail(f"Our privacy policy changes ({policy.version})", body, None, [email])
