"""Access transparency: staff opening a learner's data in admin is recorded, and the learner sees it."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.test import Client

from privacy.admin_mixins import AccessTransparencyMixin
from privacy.models import ActorRole, AuditEvent
from privacy.registry import registry
from privacy.services import audit_record

pytestmark = pytest.mark.django_db


def staff_views(user):
    return AuditEvent.objects.filter(subject=user, action=AuditEvent.Action.STAFF_VIEWED)


@pytest.fixture
def agent_client(agent, verified_login):
    client = Client()
    verified_login(client, agent)
    return client


def test_opening_a_learners_account_in_admin_is_recorded_once_with_the_request_worked_on(
    agent, agent_client, learner, make_request
):
    request = make_request(request_type="rectification", assignee=agent)

    assert agent_client.get(f"/admin/accounts/user/{learner.pk}/change/").status_code == 200

    event = staff_views(learner).get()
    assert event.actor == agent and event.actor_role == ActorRole.SUPPORT_AGENT
    assert event.changes == {"view": "your account and profile", "request": request.reference}


def test_opening_a_request_names_that_request_and_the_learner_sees_it_by_role(
    officer, verified_login, learner, make_request
):
    request = make_request(request_type="erasure")
    client = Client()
    verified_login(client, officer)

    assert client.get(f"/admin/rights_requests/rightsrequest/{request.pk}/change/").status_code == 200

    event = staff_views(learner).get()
    assert event.actor_role == ActorRole.PRIVACY_OFFICER and event.changes["request"] == request.reference
    learner_client = Client()
    learner_client.force_login(learner)
    page = learner_client.get("/settings/security/activity/").content.decode()
    assert (
        "Our privacy officer viewed your request and a summary of your data "
        f"while working on request {request.reference}." in page
    )
    assert "priya.officer" not in page


def test_a_view_without_an_open_request_is_recorded_without_one(agent_client, learner):
    agent_client.get(f"/admin/accounts/user/{learner.pk}/change/")
    assert staff_views(learner).get().changes == {"view": "your account and profile"}


def test_opening_a_records_change_history_is_recorded_too(agent_client, learner):
    assert agent_client.get(f"/admin/accounts/user/{learner.pk}/history/").status_code == 200
    assert staff_views(learner).get().changes == {"view": "the change history of your account and profile"}


def test_lists_and_refused_pages_record_nothing(agent_client, learner):
    agent_client.get("/admin/accounts/user/")
    assert agent_client.get(f"/admin/accounts/payment/{learner.pk}/change/").status_code in (302, 403, 404)
    assert not staff_views(learner).exists()


def test_every_admin_page_of_declared_personal_data_records_access():
    """A model the registry declares gets an admin only with access transparency (the log itself aside)."""
    exempt = {AuditEvent, LogEntry}  # the oversight tools themselves: recording them would be circular
    missing = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model in registry and model not in exempt and not isinstance(model_admin, AccessTransparencyMixin)
    ]
    assert missing == []


def test_only_the_privacy_officer_reads_the_audit_log_and_nobody_edits_it(
    officer, agent_client, verified_login, learner
):
    event = audit_record(actor=learner, subject=learner, action=AuditEvent.Action.TWO_FACTOR_ENABLED)
    client = Client()
    verified_login(client, officer)
    changelist = client.get("/admin/privacy/auditevent/?action__exact=two_factor_enabled")
    assert changelist.status_code == 200 and "Two-factor authentication turned on" in changelist.content.decode()
    assert client.get(f"/admin/privacy/auditevent/{event.pk}/change/").status_code == 200
    assert client.get(f"/admin/privacy/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/privacy/auditevent/add/").status_code == 403
    assert client.post(f"/admin/privacy/auditevent/{event.pk}/change/", {"action": "signed_in"}).status_code == 403
    assert agent_client.get("/admin/privacy/auditevent/").status_code == 403


def test_the_audit_log_names_roles_in_the_officers_words_not_the_learners(officer, agent, verified_login, learner):
    audit_record(
        actor=learner,
        subject=learner,
        action=AuditEvent.Action.VISIBILITY_CHANGED,
        changes={"bio": ["private", "public"]},
    )
    audit_record(
        actor=agent,
        subject=learner,
        action=AuditEvent.Action.STAFF_VIEWED,
        changes={"view": "your account and profile", "request": "DSR-2026-000007"},
    )
    client = Client()
    verified_login(client, officer)
    page = client.get("/admin/privacy/auditevent/").content.decode()
    assert "The data subject" in page and "Support agent" in page
    assert "bio: private → public" in page and "request: DSR-2026-000007" in page
    assert "view: the learner&#x27;s account and profile" in page
    assert ">You<" not in page and "by you" not in page
    only_agents = client.get("/admin/privacy/auditevent/?actor_role=support_agent").content.decode()
    assert "DSR-2026-000007" in only_agents and "bio: private" not in only_agents


def test_a_page_that_fails_while_rendering_records_no_view(agent_client, learner, monkeypatch):
    from django.template.response import TemplateResponse

    def broken(self):
        raise RuntimeError("the template failed")

    monkeypatch.setattr(TemplateResponse, "rendered_content", property(broken))
    agent_client.raise_request_exception = False
    assert agent_client.get(f"/admin/accounts/user/{learner.pk}/change/").status_code == 500
    assert not staff_views(learner).exists()
