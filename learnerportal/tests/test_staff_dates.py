"""Wherever staff look, a date-time reads one way: 24-hour, in the platform's time zone, the zone named."""

import datetime
import re

import pytest
import time_machine

from compliance.models import AuditEvent
from compliance.services import audit_record
from learnerportal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

#: 19:10 in London on a summer evening (British Summer Time), stored as 18:10 UTC.
SUMMER_EVENING = datetime.datetime(2026, 7, 14, 18, 10, tzinfo=datetime.UTC)


@pytest.mark.parametrize("path", ["/admin/compliance/auditevent/", "/admin/accounts/user/"])
def test_admin_lists_write_times_24_hour_with_the_zone(client, verified_login, officer, path):
    with time_machine.travel(SUMMER_EVENING, tick=False):
        noor = UserFactory(username="noor")  # joins
        audit_record(actor=noor, subject=noor, action=AuditEvent.Action.SIGNED_IN)

    verified_login(client, officer)
    page = client.get(path).text

    assert "14 Jul 2026, 19:10 BST" in page
    assert not re.search(r"\d(?:\.\d\d)? ?[ap]\.m\.", page), "no 12-hour clock"
