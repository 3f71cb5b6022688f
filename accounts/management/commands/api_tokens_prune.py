"""Delete API tokens that ended (expired or were revoked) more than 90 days ago.

Run daily (e.g. by cron), so the retention stated in the privacy notice holds for
learners who never open their Security tab again (GDPR Art. 5(1)(e)).
"""

from django.core.management.base import BaseCommand

from accounts.services import personal_access_tokens_prune


class Command(BaseCommand):
    help = "Delete API tokens that expired or were revoked more than 90 days ago."

    def handle(self, *args, **options):
        deleted = personal_access_tokens_prune()
        self.stdout.write(f"Deleted {deleted} ended API token(s).")
