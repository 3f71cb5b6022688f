"""Take back work on rights requests that a stopped worker left stranded.

Run every few minutes (e.g. by cron) and by every worker at start: work whose
lease ran out (``RIGHTS_REQUESTS_LEASE_SECONDS``) is queued again with back-off,
and after ``RIGHTS_REQUESTS_MAX_RETRIES`` the request is failed and staff emailed.
"""

from django.core.management.base import BaseCommand

from rights_requests.tasks import recover_stranded_work


class Command(BaseCommand):
    help = "Queue again (or fail, after too many tries) work whose worker stopped before finishing."

    def handle(self, *args, **options):
        recovered = recover_stranded_work()
        self.stdout.write(f"Took back {recovered} request(s).")
