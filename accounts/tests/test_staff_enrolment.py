"""Staff turn on 2FA only through an enrolment link: a stolen staff password cannot enrol an attacker's app."""

import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import TOTPDevice
from compliance.models import StaffGroup
from learnerportal.tests.factories import UserFactory, staff_member
from learnerportal.tests.support import code_for

pytestmark = pytest.mark.django_db

SETUP = "/settings/privacy/two-factor/setup/"


@pytest.fixture
def superuser(client, verified_login):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    return user


def emailed_link(superuser, client, verified_login, member, django_capture_on_commit_callbacks):
    verified_login(client, superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/accounts/user/",
            {"action": "send_two_factor_enrolment_link", "_selected_action": [member.pk], "index": 0},
            follow=True,
        )
    assert f"Enrolment link emailed to {member.username}." in response.text
    client.logout()
    (message,) = [m for m in mail.outbox if m.to == [member.email]]
    return urlsplit(re.search(r"http://testserver(\S+)", message.body)[0]).path


def test_a_staff_password_alone_cannot_enrol_an_authenticator(client, agent):
    client.force_login(agent)  # whoever has the password

    page = client.get(SETUP)
    attempt = client.post(SETUP, {"token": "123456"})

    assert page.status_code == attempt.status_code == 403
    assert "Ask a superuser to send you an enrolment link" in page.text
    assert not TOTPDevice.objects.filter(user=agent).exists(), "no key was even shown"
    assert client.get("/admin/").status_code == 302


def test_the_emailed_link_opens_set_up_once_and_then_the_admin(
    client, agent, superuser, verified_login, django_capture_on_commit_callbacks
):
    path = emailed_link(superuser, client, verified_login, agent, django_capture_on_commit_callbacks)
    client.force_login(agent)

    assert client.get(path)["Location"] == SETUP
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    client.post(SETUP, {"token": code_for(device)})
    assert client.get("/admin/").status_code == 200

    again = client.get(path, follow=True)
    assert "This enrolment link does not work any more" in again.text, "a link works once"


def test_a_link_works_only_for_its_own_account_and_only_for_a_day(
    client, agent, superuser, verified_login, django_capture_on_commit_callbacks
):
    path = emailed_link(superuser, client, verified_login, agent, django_capture_on_commit_callbacks)
    colleague = staff_member("kim.agent", StaffGroup.SUPPORT_AGENT)
    client.force_login(colleague)
    assert "does not work any more" in client.get(path, follow=True).text
    assert client.get(SETUP).status_code == 403

    client.force_login(agent)
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=25)):
        assert "does not work any more" in client.get(path, follow=True).text
        assert client.get(SETUP).status_code == 403


def test_only_superusers_send_links(client, verified_login):
    officer = staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)
    verified_login(client, officer)

    changelist = client.get("/admin/accounts/user/")

    assert changelist.status_code == 200
    assert "send_two_factor_enrolment_link" not in changelist.text


def test_learners_set_up_two_factor_without_any_link(client):
    learner = UserFactory(username="lin")
    client.force_login(learner)
    assert client.get(SETUP).status_code == 200


def test_the_operator_prints_the_first_superusers_link_and_nothing_for_others(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    out = io.StringIO()

    call_command("staff_two_factor_link", "root", stdout=out)

    client.force_login(root)
    assert client.get(urlsplit(out.getvalue().strip()).path)["Location"] == SETUP
    assert client.get(SETUP).status_code == 200
    with pytest.raises(CommandError, match="learners turn on 2FA themselves"):
        call_command("staff_two_factor_link", UserFactory(username="lin").username)
    with pytest.raises(CommandError, match="No account"):
        call_command("staff_two_factor_link", "nobody")


def test_a_link_lasts_a_day_of_real_time_across_a_daylight_saving_change(client, agent):
    from zoneinfo import ZoneInfo

    from accounts.two_factor import staff_enrolment_link

    # 28 March 2027: London's clocks go forward at 01:00, so the day after half past midnight is 23 hours on the wall.
    half_past_midnight = datetime.datetime(2027, 3, 28, 0, 30, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(half_past_midnight, tick=False) as clock:
        path = urlsplit(staff_enrolment_link(user=agent)).path
        client.force_login(agent)
        clock.shift(datetime.timedelta(hours=23, minutes=30))
        assert client.get(path)["Location"] == SETUP, "23½ hours later the link still works"
        clock.shift(datetime.timedelta(hours=1))
        assert "does not work any more" in client.get(path, follow=True).text


def test_a_superuser_without_two_factor_is_told_how_the_first_link_is_made(client):
    root = UserFactory(username="olwen.root", is_staff=True, is_superuser=True)
    client.force_login(root)

    page = client.get(SETUP).text

    assert "manage.py staff_two_factor_link olwen.root" in page, "no other superuser may exist to send one"
