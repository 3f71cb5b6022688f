"""Write the record of processing activities (GDPR Art. 30(1)) from the personal-data registry.

The same declarations generate the privacy notice at /privacy/notice/.
"""

from django.core.management.base import BaseCommand

from compliance.notice import (
    record_of_processing,
    write_record_of_processing_csv,
    write_record_of_processing_markdown,
)

WRITERS = {"csv": write_record_of_processing_csv, "markdown": write_record_of_processing_markdown}


class Command(BaseCommand):
    help = "Write the GDPR Art. 30 record of processing activities, generated from the personal-data registry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            dest="output_format",
            choices=sorted(WRITERS),
            default="csv",
            help="Output format (default: csv).",
        )
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, output_format, output=None, **options):
        records = record_of_processing()
        if output is None:
            WRITERS[output_format](self.stdout, records)
            return
        with open(output, "w", encoding="utf-8", newline="") as stream:
            WRITERS[output_format](stream, records)
        self.stdout.write(f"Wrote {len(records)} record(s) to {output}.")
