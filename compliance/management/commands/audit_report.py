"""Print the periodic audit report of the audit log: what happened, and which staff opened learners' data.

Learners appear only as account ids, and only for staff access without a
data-rights request, which an auditor must follow up; never a name, email,
network or request id. Staff appear by username: their accountability is what
is audited (GDPR Art. 5(2), 32(1)(d)).
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from compliance.selectors import audit_summary


def _day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: use YYYY-MM-DD.") from None


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


class Command(BaseCommand):
    help = "Summarise the audit log since a date (in the platform's time zone) for a periodic audit, as Markdown."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="First day included, YYYY-MM-DD.")
        parser.add_argument("--until", help="Last day included, YYYY-MM-DD (default: today).")

    def handle(self, *args, since, until=None, **options):
        first = _day(since)
        last = _day(until) if until else timezone.localdate()
        if last < first:
            raise CommandError("--until is before --since.")
        summary = audit_summary(since=_start_of(first), until=_start_of(last + datetime.timedelta(days=1)))
        write = self.stdout.write
        write(f"# Audit report {first.isoformat()} to {last.isoformat()}\n")
        write(f"{summary['total']} event(s) recorded.\n")
        write("## Events by kind\n")
        for label, count in summary["by_action"]:
            write(f"- {label}: {count}")
        if not summary["by_action"]:
            write("- none")
        write("\n## Staff who opened learners' data in admin\n")
        if summary["staff_access"]:
            write("| staff | role | views | for a request | learners |")
            write("|---|---|---|---|---|")
            for row in summary["staff_access"]:
                write(
                    f"| {row['staff']} | {row['role']} | {row['views']} | {row['with_request']} | {row['learners']} |"
                )
        else:
            write("None.")
        write("\n## Staff access without an open data-rights request (follow up)\n")
        for row in summary["unexplained_access"]:
            at = timezone.localtime(row["at"]).strftime("%Y-%m-%d %H:%M")
            write(f"- {at} {row['staff']} ({row['role']}) viewed {row['view']} (learner account #{row['learner_id']})")
        if not summary["unexplained_access"]:
            write("None.")
        write("\n## Sign-in security\n")
        write(
            f"- Failed sign-ins: {summary['failed_sign_ins']} against {summary['accounts_with_failed_sign_ins']} "
            f"account(s)\n- Lock-outs: {summary['lockouts']}"
        )
        write(f"\n{summary['pseudonymised']} event(s) in this period belong to since-erased, pseudonymised accounts.")
