"""Complete account recoveries whose waiting period is over, and delete old ones.

Run every few minutes (e.g. by cron): a recovery completes at most that long after its waiting
period ends, or at once when its learner signs in with the password (``SignInView``). Recoveries
ended more than ``ACCOUNTS_RECOVERY_KEEP_DAYS`` ago are deleted (GDPR Art. 5(1)(e)).
"""

from django.core.management.base import BaseCommand

from accounts.recovery import account_recoveries_complete_due, account_recoveries_prune


class Command(BaseCommand):
    help = "Complete account recoveries whose waiting period is over, and delete those ended long ago."

    def handle(self, *args, **options):
        completed = account_recoveries_complete_due()
        deleted = account_recoveries_prune()
        self.stdout.write(f"Completed {completed} recovery(ies); deleted {deleted} old one(s).")
