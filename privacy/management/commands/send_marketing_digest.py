"""Email the "new courses" digest to learners who agreed to marketing email.

Run on a schedule (e.g. weekly by cron). Only learners for whom the gate
``may_process(user, "marketing_email")`` is True are emailed, and it is asked
again just before each email leaves. Prints counts only, never addresses.
"""

from django.core.management.base import BaseCommand, CommandError

from privacy.marketing import DIGEST_COURSE_COUNT, marketing_digest_send


class Command(BaseCommand):
    help = "Email the newest courses to learners who agreed to marketing email; record the run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--courses",
            type=int,
            default=DIGEST_COURSE_COUNT,
            help=f"How many of the newest courses to list (default {DIGEST_COURSE_COUNT}).",
        )

    def handle(self, *args, courses, **options):
        if courses < 1:
            raise CommandError("--courses must be at least 1.")
        run = marketing_digest_send(course_count=courses)
        if run is None:
            self.stdout.write("The catalogue has no courses: nothing sent.")
            return
        self.stdout.write(
            f"Sent the digest to {run.included} learner(s); {run.excluded} left out "
            "(no marketing consent, withdrawn, restricted, objected or inactive)."
        )
