"""Background work of the privacy app, through Django's ``django.tasks`` API."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.tasks import task

from accounts.languages import in_language_and_time_zone_of

from .models import PolicyVersion


@task()
def send_policy_update_emails(policy_id):
    """Email every active account the summary of a newly active privacy policy, each in its owner's language."""
    policy = PolicyVersion.objects.get(pk=policy_id)
    accounts = get_user_model().objects.filter(is_active=True).select_related("profile")
    for user in accounts.only("email", "profile__language", "profile__timezone").iterator(chunk_size=2000):
        with in_language_and_time_zone_of(user):
            body = (
                f"Hello,\n\nOur privacy policy changes (version {policy.version}, effective "
                f"{policy.effective_date:%d %B %Y}). What changes:\n\n{policy.summary}\n\n"
                "Next time you sign in we will ask you to confirm your choices about how we may use your data. "
                "Until then we use it only to run your courses.\n\n-- Learner Portal\n"
            )
            subject = f"Our privacy policy changes ({policy.version})"
        send_mail(subject, body, None, [user.email])
