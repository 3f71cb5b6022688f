"""Fixtures for rights-request tests: a learner, staff in the migration's groups, requests in any state."""

import importlib
import itertools

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from compliance.models import StaffGroup
from learnerportal.tests.factories import UserFactory
from rights_requests.deadlines import due_at_for
from rights_requests.models import RightsRequest

_numbers = itertools.count(900_000)


@pytest.fixture
def learner():
    user = UserFactory(username="noor", email="noor@example.org")
    user.profile.full_name = "Noor Al-Hassan"
    user.profile.phone = "+44 7700 900555"
    user.profile.country = "GB"
    user.profile.save()
    return user


def staff_group(name):
    """Return the staff group ``name`` as the data migrations define it.

    Transactional tests flush the database, data migrations' rows included, so
    the group is made again from the latest migration's whole definition when missing.
    """
    migration = importlib.import_module("accounts.migrations.0007_staff_group_permissions")
    group, created = Group.objects.get_or_create(name=name)
    if created:
        group.permissions.set(
            [
                # By codename alone: a model that moved to another app keeps its permissions' codenames.
                Permission.objects.get(codename=codename)
                for _app, codename in migration.STAFF_GROUPS[name]
            ]
        )
    return group


def staff_member(username, group):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(staff_group(group))
    return user


@pytest.fixture
def agent():
    return staff_member("sam.agent", StaffGroup.SUPPORT_AGENT)


@pytest.fixture
def officer():
    return staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)


@pytest.fixture
def make_request(learner):
    """Return ``make(type=..., status=..., subject=...)`` creating a request row directly in that state."""

    def make(request_type="access", status="awaiting_approval", subject=None, **fields):
        received_at = fields.pop("received_at", timezone.now())
        return RightsRequest.objects.create(
            reference=f"DSR-TEST-{next(_numbers)}",
            subject=subject or learner,
            type=request_type,
            status=status,
            received_at=received_at,
            due_at=fields.pop("due_at", due_at_for(received_at)),
            decision_reason="Refused in the test set-up." if status == "rejected" else "",
            **fields,
        )

    return make
