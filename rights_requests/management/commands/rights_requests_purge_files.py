"""Delete the files of data-rights requests whose download period is over.

Run daily (e.g. by cron). A file is downloadable for ``RIGHTS_REQUESTS_DOWNLOAD_DAYS``
days; after that it is deleted from storage even if nobody tries to download it
again (storage limitation, GDPR Art. 5(1)(e)). The record of the file stays, so the
learner's page can say it has expired. Files no record names (left by a worker killed
between storing and recording one) are deleted a day after they were stored.
"""

from django.core.management.base import BaseCommand

from rights_requests.files import request_files_purge_expired, request_files_purge_unrecorded


class Command(BaseCommand):
    help = "Delete expired access reports and portable copies from storage."

    def handle(self, *args, **options):
        purged = request_files_purge_expired()
        unrecorded = request_files_purge_unrecorded()
        self.stdout.write(f"Deleted {purged} expired file(s) and {unrecorded} left behind by a stopped worker.")
