"""Write the de-identified research dataset: learners who consented, aggregated by course and country.

Groups smaller than ``PRIVACY_RESEARCH_MIN_GROUP_SIZE`` are suppressed; every run
is recorded as a ``ProcessingRun``. Prints only counts and the file written.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from privacy.exports import RESEARCH_COLUMNS, open_private, research_dataset, write_csv
from privacy.models import ProcessingRun
from privacy.services import processing_run_record


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
        processing_run_record(
            kind=ProcessingRun.Kind.RESEARCH_EXPORT,
            actor=None,
            included=dataset.included,
            excluded=dataset.excluded,
            parameters={"min_group_size": dataset.min_group_size},
        )
        self.stdout.write(
            f"Wrote {len(dataset.rows)} group(s) to {path}: {dataset.included} learner(s) included, "
            f"{dataset.excluded} excluded by the processing gate, {dataset.suppressed_groups} group(s) "
            f"of fewer than {dataset.min_group_size} learners suppressed."
        )
