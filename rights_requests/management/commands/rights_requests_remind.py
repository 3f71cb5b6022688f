"""Remind staff of data-rights requests close to or past their legal deadline.

Run daily (e.g. by cron): assignees hear about their requests due within
``RIGHTS_REQUESTS_REMIND_WITHIN_DAYS`` days; privacy officers hear about every
overdue request and about unassigned ones due soon.
"""

from django.core.management.base import BaseCommand

from rights_requests.notifications import staff_reminder_email
from rights_requests.selectors import reminders_due


class Command(BaseCommand):
    help = "Email assignees about requests due soon and privacy officers about overdue ones."

    def handle(self, *args, **options):
        sent = 0
        for recipient, due_soon, overdue in reminders_due():
            staff_reminder_email(recipient, due_soon=due_soon, overdue=overdue).send()
            sent += 1
        self.stdout.write(f"Sent {sent} reminder email(s).")
