"""Delete requests without sign-in, and signed authorisations, that are no longer needed (GDPR Art. 5(1)(e)).

Run daily (e.g. by cron), beside ``rights_requests_purge_files``. Unconfirmed requests (nobody typed
the emailed code) go after ``RIGHTS_REQUESTS_PUBLIC_UNVERIFIED_SECONDS`` (a day); "no account found"
requests after ``RIGHTS_REQUESTS_PUBLIC_ANSWERED_DAYS`` from staff's answer. Filing a request prunes too.
The signed authorisation of an agent or parent goes ``RIGHTS_REQUESTS_AUTHORISATION_KEEP_DAYS`` after
its request is closed (the record that one was given stays), and a stored one no request names (a
process killed while filing) after a day.
"""

from django.core.management.base import BaseCommand

from rights_requests.agents import authorisations_prune
from rights_requests.authorisations import authorisations_purge_unrecorded
from rights_requests.public import public_requests_prune


class Command(BaseCommand):
    help = "Delete unconfirmed and long-answered requests made without signing in, and old signed authorisations."

    def handle(self, *args, **options):
        self.stdout.write(f"Deleted {public_requests_prune()} request(s) made without signing in.")
        deleted = authorisations_prune() + authorisations_purge_unrecorded()
        self.stdout.write(f"Deleted {deleted} signed authorisation(s) of agents and parents.")
