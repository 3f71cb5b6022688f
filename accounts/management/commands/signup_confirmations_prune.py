"""Delete sign-ups whose confirmation link expired without being used.

Run daily (e.g. by cron), so the retention stated in the privacy notice holds even
when nobody signs up for a while (each sign-up also deletes expired ones) (GDPR Art. 5(1)(e)).
"""

from django.core.management.base import BaseCommand

from accounts.services import signup_confirmations_prune


class Command(BaseCommand):
    help = "Delete sign-ups whose confirmation link expired without being used."

    def handle(self, *args, **options):
        deleted = signup_confirmations_prune()
        self.stdout.write(f"Deleted {deleted} expired sign-up(s).")
