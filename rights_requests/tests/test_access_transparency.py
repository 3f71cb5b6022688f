"""Access transparency: staff opening a learner's data in admin is recorded, and the learner sees it."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.test import Client

from compliance.admin_mixins import AccessTransparencyMixin
from compliance.models import ActorRole, AuditEvent
from compliance.registry import registry
from compliance.services import audit_record
from learnerportal.tests.factories import UserFactory
from privacy.services import restriction_start

#: Queries of one page of the account list for a support agent, whatever the number of accounts.
ACCOUNT_LIST_QUERIES = 11

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
    assert staff_views(learner).get().changes == {"view": "your account and profile", "shown": "history"}
    learner_client = Client()
    learner_client.force_login(learner)
    activity = learner_client.get("/settings/security/activity/", HTTP_ACCEPT_LANGUAGE="es").text
    assert "consultó el historial de cambios de tu cuenta y tu perfil." in activity


def test_work_queues_and_refused_pages_record_nothing(agent_client, learner):
    restriction_start(actor=learner, user=learner, reason="Checking my data")
    assert learner.username in agent_client.get("/admin/privacy/processingrestriction/").text
    assert agent_client.get(f"/admin/accounts/payment/{learner.pk}/change/").status_code in (302, 403, 404)
    assert not staff_views(learner).exists()


def test_an_agent_confirming_an_email_address_is_recorded_against_the_account_found(agent, agent_client, learner):
    found = agent_client.get("/admin/accounts/user/", {"q": "NOOR@example.org"})

    assert found.status_code == 200 and f"/admin/accounts/user/{learner.pk}/change/" in found.text
    event = staff_views(learner).get()
    assert event.actor == agent and event.changes == {"view": "your account", "shown": "search"}
    # SECURITY: the term may be an email address: it is stored nowhere, for nobody.
    assert not AuditEvent.objects.filter(changes__icontains="noor@").exists()
    learner_client = Client()
    learner_client.force_login(learner)
    activity = learner_client.get("/settings/security/activity/").text
    assert "A member of the support team viewed your account in the results of a search." in activity


def test_agents_list_accounts_without_emails_and_find_only_exact_ones(agent_client, learner):
    listed = agent_client.get("/admin/accounts/user/").text
    by_part = agent_client.get("/admin/accounts/user/", {"q": "example.org"}).text
    by_name_part = agent_client.get("/admin/accounts/user/", {"q": "noo"}).text

    assert learner.username in listed and "noor@example.org" not in listed
    assert f"/admin/accounts/user/{learner.pk}/change/" not in by_part + by_name_part
    assert f"/admin/accounts/user/{learner.pk}/change/" in agent_client.get("/admin/accounts/user/?q=noor").text


def test_listing_accounts_records_each_account_shown_but_ones_own(agent, agent_client, learner, officer):
    assert agent_client.get("/admin/accounts/user/").status_code == 200

    listed = AuditEvent.objects.filter(action=AuditEvent.Action.STAFF_VIEWED, actor=agent)
    assert sorted(listed.values_list("subject__username", flat=True)) == ["noor", "priya.officer"]
    assert staff_views(learner).get().changes == {"view": "your account", "shown": "list", "list": "accounts.user"}
    learner_client = Client()
    learner_client.force_login(learner)
    activity = learner_client.get("/settings/security/activity/", HTTP_ACCEPT_LANGUAGE="es").text
    assert "consultó tu cuenta en una lista de usuarios." in activity


def test_superusers_see_and_search_emails_and_are_recorded_too(verified_login, learner):
    client = Client()
    verified_login(client, UserFactory(username="ola.owner", is_staff=True, is_superuser=True))

    page = client.get("/admin/accounts/user/", {"q": "example.org"}).text

    assert "noor@example.org" in page
    assert staff_views(learner).get().changes == {"view": "your account", "shown": "search"}


@pytest.mark.parametrize("accounts", [3, 30])
def test_a_page_of_the_account_list_costs_the_same_queries_for_any_number_of_accounts(
    agent_client, accounts, django_assert_num_queries
):
    UserFactory.create_batch(accounts)
    agent_client.get("/admin/accounts/user/")  # the session's first request writes its row

    # The session, the agent, their 2FA device and permissions (2); the groups filter; the counts
    # (2) and the page's rows; the agent's role, then every audit row in one insert.
    with django_assert_num_queries(ACCOUNT_LIST_QUERIES):
        assert agent_client.get("/admin/accounts/user/").status_code == 200


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
    changelist = client.get("/admin/compliance/auditevent/?action__exact=two_factor_enabled")
    assert changelist.status_code == 200 and "Two-factor authentication turned on" in changelist.content.decode()
    assert client.get(f"/admin/compliance/auditevent/{event.pk}/change/").status_code == 200
    assert client.get(f"/admin/compliance/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/compliance/auditevent/add/").status_code == 403
    assert client.post(f"/admin/compliance/auditevent/{event.pk}/change/", {"action": "signed_in"}).status_code == 403
    assert agent_client.get("/admin/compliance/auditevent/").status_code == 403


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
    audit_record(
        actor=agent,
        subject=learner,
        action=AuditEvent.Action.ACCOUNT_CHANGE_REFUSED,
        changes={"attempt": "set your password"},
    )
    client = Client()
    verified_login(client, officer)
    page = client.get("/admin/compliance/auditevent/").content.decode()
    assert "The data subject" in page and "Support agent" in page
    assert "bio: private → public" in page and "request: DSR-2026-000007" in page
    assert "view: the learner&#x27;s account and profile" in page
    assert "attempt: set the learner&#x27;s password" in page
    assert ">You<" not in page and "by you" not in page
    only_agents = client.get("/admin/compliance/auditevent/?actor_role=support_agent").content.decode()
    assert "DSR-2026-000007" in only_agents and "bio: private" not in only_agents


def test_a_page_that_fails_while_rendering_records_no_view(agent_client, learner, monkeypatch):
    from django.template.response import TemplateResponse

    def broken(self):
        raise RuntimeError("the template failed")

    monkeypatch.setattr(TemplateResponse, "rendered_content", property(broken))
    agent_client.raise_request_exception = False
    assert agent_client.get(f"/admin/accounts/user/{learner.pk}/change/").status_code == 500
    assert not staff_views(learner).exists()


def test_agents_cannot_filter_accounts_by_part_of_an_email_in_the_address_bar(agent_client, learner):
    for lookup in ("email__startswith", "email__icontains", "username__startswith", "profile__phone__startswith"):
        response = agent_client.get("/admin/accounts/user/", {lookup: "noo"})
        assert response.status_code == 400 and learner.username not in response.text, lookup
    assert agent_client.get("/admin/accounts/user/", {"is_staff__exact": "0"}).status_code == 200


def by_items(changes):
    return sorted(changes.items())


@pytest.mark.parametrize("method", ["post", "head"])
def test_a_list_search_or_history_shown_for_another_method_is_recorded_like_a_get(
    agent_client, learner, officer, method
):
    send = getattr(agent_client, method)

    found = send("/admin/accounts/user/?q=noor@example.org")
    listed = send("/admin/accounts/user/")
    history = send(f"/admin/accounts/user/{learner.pk}/history/")

    assert [found.status_code, listed.status_code, history.status_code] == [200, 200, 200]
    assert sorted(staff_views(learner).values_list("changes", flat=True), key=by_items) == sorted(
        [
            {"view": "your account", "shown": "list", "list": "accounts.user"},
            {"view": "your account", "shown": "search"},
            {"view": "your account and profile", "shown": "history"},
        ],
        key=by_items,
    )
    assert staff_views(officer).get().changes == {"view": "your account", "shown": "list", "list": "accounts.user"}


def test_a_superusers_change_form_shown_again_after_a_post_is_recorded(verified_login, learner):
    client = Client()
    verified_login(client, UserFactory(username="ola.owner", is_staff=True, is_superuser=True))

    response = client.post(f"/admin/accounts/user/{learner.pk}/change/", {"username": ""})

    assert response.status_code == 200 and "This field is required" in response.text
    assert staff_views(learner).get().changes == {"view": "your account and profile"}


@pytest.mark.parametrize(
    ("path", "fragments"),
    [
        ("/admin/rights_requests/rightsrequest/", ["@exam", "example.org", "NOOR@"]),
        ("/admin/privacy/processingrestriction/", ["example", "@example.org", "noor@exam"]),
    ],
)
def test_agents_find_learners_in_the_queue_and_restrictions_by_a_whole_email_only(
    agent_client, learner, make_request, verified_login, path, fragments
):
    made = make_request(request_type="access")
    restriction = restriction_start(actor=learner, user=learner, reason="Checking my data")
    row = f"{path}{made.pk if 'rights' in path else restriction.pk}/change/"

    for fragment in fragments:
        page = agent_client.get(path, {"q": fragment})
        assert page.status_code == 200 and row not in page.text, fragment
    for term in ("NOOR@example.org", "noo", *([made.reference] if "rights" in path else [])):
        assert row in agent_client.get(path, {"q": term}).text, term
    assert "in full" in agent_client.get(path).text
    # A superuser searches by part of an address, as in the account list.
    root = Client()
    verified_login(root, UserFactory(username="ola.owner", is_staff=True, is_superuser=True))
    assert row in root.get(path, {"q": "@exam"}).text
