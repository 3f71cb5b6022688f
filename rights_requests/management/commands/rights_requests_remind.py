"""Remind staff of data-rights requests close to or past their legal deadline.

Run daily (e.g. by cron, as a job of its own): assignees hear about their requests due
within ``RIGHTS_REQUESTS_REMIND_WITHIN_DAYS`` days; privacy officers hear about every
overdue request and about unassigned ones due soon. A reminder the mail server
refuses does not stop the others; the command then ends with an error naming how
many were not sent, so cron reports it.
"""

import smtplib

from django.core.management.base import BaseCommand, CommandError

from rights_requests.notifications import staff_reminder_email
from rights_requests.selectors import reminders_due


class Command(BaseCommand):
    help = "Email assignees about requests due soon and privacy officers about overdue ones."

    def handle(self, *args, **options):
        sent = failed = 0
        for recipient, due_soon, overdue in reminders_due():
            try:
                staff_reminder_email(recipient, due_soon=due_soon, overdue=overdue).send()
            except (smtplib.SMTPException, OSError) as error:
                failed += 1
                self.stderr.write(f"A reminder was not sent ({type(error).__name__}).")
                continue
            sent += 1
        self.stdout.write(f"Sent {sent} reminder email(s).")
        if failed:
            raise CommandError(f"{failed} reminder email(s) could not be sent; run the command again later.")
