"""Write the de-identified research dataset: learners who consented, aggregated by course and country.

Groups smaller than ``PRIVACY_RESEARCH_MIN_GROUP_SIZE`` are suppressed; every run
is recorded as a ``ProcessingRun`` and in each included learner's audit log. Prints only counts and the file written.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from learnerportal.spreadsheets import write_csv
from privacy.exports import RESEARCH_COLUMNS, open_private, research_dataset
from privacy.services import research_dataset_record


class Command(BaseCommand):
    help = "Write the aggregated, de-identified research dataset (consenting learners only) as CSV."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="CSV file to write (default: research-dataset-YYYY-MM-DD.csv in the current directory)."
        )

    def handle(self, *args, output=None, **options):
        path = output or f"research-dataset-{timezone.localdate().isoformat()}.csv"
        dataset = research_dataset()
        with open_private(path) as stream:
            write_csv(stream, RESEARCH_COLUMNS, dataset.rows)
        research_dataset_record(actor=None, dataset=dataset)
        self.stdout.write(
            f"Wrote {len(dataset.rows)} group(s) to {path}: {dataset.included} learner(s) included, "
            f"{dataset.excluded} excluded by the processing gate, {dataset.suppressed_groups} group(s) "
            f"of fewer than {dataset.min_group_size} learners suppressed."
        )
