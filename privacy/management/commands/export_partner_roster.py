"""Write a partner's roster: every enrollment in its courses, progress and grades only with consent.

Every run is recorded as a ``ProcessingRun`` and in each listed learner's audit log.
Prints only counts and the file written.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Partner
from learnerportal.spreadsheets import write_csv
from privacy.exports import ROSTER_COLUMNS, open_private, partner_lookup, partner_roster
from privacy.services import partner_roster_record


class Command(BaseCommand):
    help = "Write the roster of a partner's courses as CSV; progress and grades only for learners who agreed."

    def add_arguments(self, parser):
        parser.add_argument("partner", help="The partner's name or id.")
        parser.add_argument(
            "--output",
            help="CSV file to write (default: partner-roster-<partner>-YYYY-MM-DD.csv in the current directory).",
        )

    def handle(self, *args, partner, output=None, **options):
        try:
            found = partner_lookup(partner)
        except Partner.DoesNotExist:
            raise CommandError(f"No partner has the name or id {partner!r}.") from None
        path = output or f"partner-roster-{slugify(found.name)}-{timezone.localdate().isoformat()}.csv"
        roster = partner_roster(partner=found)
        with open_private(path) as stream:
            write_csv(stream, ROSTER_COLUMNS, roster.rows)
        partner_roster_record(actor=None, partner=found, roster=roster)
        self.stdout.write(
            f"Wrote {len(roster.rows)} enrollment(s) in courses of {found.name} to {path}: "
            f"{roster.included} learner(s) with progress and grades, {roster.excluded} without."
        )
