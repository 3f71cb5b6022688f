"""Delete requests without sign-in that are no longer needed (GDPR Art. 5(1)(e)).

Run daily (e.g. by cron), beside ``rights_requests_purge_files``. Unconfirmed requests (nobody typed
the emailed code) go after ``RIGHTS_REQUESTS_PUBLIC_UNVERIFIED_SECONDS`` (a day); "no account found"
requests after ``RIGHTS_REQUESTS_PUBLIC_ANSWERED_DAYS`` from staff's answer. Filing a request prunes too.
"""

from django.core.management.base import BaseCommand

from rights_requests.public import public_requests_prune


class Command(BaseCommand):
    help = "Delete unconfirmed and long-answered requests made without signing in."

    def handle(self, *args, **options):
        self.stdout.write(f"Deleted {public_requests_prune()} request(s) made without signing in.")
