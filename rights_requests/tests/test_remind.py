"""`manage.py rights_requests_remind`: assignees hear of requests due soon, officers of overdue ones."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_reminders_go_to_assignees_and_privacy_officers(make_request, agent, officer, capsys):
    now = timezone.now()
    mine_soon = make_request(request_type="restriction", assignee=agent, received_at=now - datetime.timedelta(days=26))
    unassigned_soon = make_request(request_type="erasure", received_at=now - datetime.timedelta(days=27))
    overdue = make_request(request_type="access", received_at=now - datetime.timedelta(days=40))
    make_request(request_type="objection", assignee=agent)  # due in a month: no reminder
    make_request(
        request_type="portability", status="completed", received_at=now - datetime.timedelta(days=50)
    )  # closed: never

    call_command("rights_requests_remind")

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {agent.email, officer.email}
    to_agent, to_officer = by_recipient[agent.email].body, by_recipient[officer.email].body
    assert mine_soon.reference in to_agent
    assert unassigned_soon.reference not in to_agent and overdue.reference not in to_agent
    assert overdue.reference in to_officer and unassigned_soon.reference in to_officer
    assert "past their legal deadline" in to_officer
    assert by_recipient[officer.email].subject == "Data-rights requests: 1 overdue and 1 due within 7 days"
    assert "noor" not in to_officer.lower(), "reminders name requests, not learners"
    assert "of your data" not in to_officer, "staff read the rights' names, not the learner's words"
    assert f"{overdue.reference}  Access  due" in to_officer, "named as the queue names it"
    assert "Sent 2 reminder email(s)." in capsys.readouterr().out


def test_nothing_due_sends_nothing(make_request, officer):
    make_request(request_type="access")
    call_command("rights_requests_remind")
    assert mail.outbox == []


def test_a_refused_reminder_does_not_stop_the_others_and_the_command_reports_it(
    make_request, agent, officer, monkeypatch, capsys
):
    now = timezone.now()
    make_request(request_type="restriction", assignee=agent, received_at=now - datetime.timedelta(days=26))
    make_request(request_type="access", received_at=now - datetime.timedelta(days=40))
    real_send = EmailMultiAlternatives.send

    def refuse_the_agent(message, fail_silently=False):
        if message.to == [agent.email]:
            raise smtplib.SMTPRecipientsRefused({agent.email: (550, b"mailbox full")})
        return real_send(message, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_the_agent)
    with pytest.raises(CommandError, match="1 reminder email"):
        call_command("rights_requests_remind")

    assert [message.to for message in mail.outbox] == [[officer.email]]
