"""The consent ledger: opt-in, latest wins, one click either way, append-only in the database."""

import re

import pytest
import time_machine
from django.db import IntegrityError, InternalError, transaction

from compliance.models import AuditEvent, StaffGroup
from learnerportal.tests.factories import ConsentFactory, UserFactory, staff_member
from learnerportal.tests.support import link_to
from privacy.models import CONSENT_PURPOSES, Consent
from privacy.selectors import consent_states, current_policy_version, may_process
from privacy.services import consent_record

pytestmark = pytest.mark.django_db


def choose(client, purpose, granted):
    return client.post(
        "/settings/privacy/consents/", {"purpose": purpose, "granted": "1" if granted else "0"}, follow=True
    )


def test_the_history_of_choices_is_a_page_of_its_own_linked_from_the_tab(signed_in, learner):
    with time_machine.travel("2026-11-01 10:00Z"):
        choose(signed_in, "research", True)
    with time_machine.travel("2026-11-02 10:00Z"):
        choose(signed_in, "research", False)
    ConsentFactory(user=UserFactory(username="someone"), purpose="marketing_email", policy_version="2099-01")

    tab = signed_in.get("/settings/privacy/").content.decode()
    assert "On the Privacy tab, policy" not in tab, "the entries are not on the tab"
    history = signed_in.get(link_to(tab, "Your history of choices"))

    assert history.status_code == 200
    page = history.content.decode()
    assert '<p class="back-link"><a href="/settings/privacy/#consents">Privacy</a>' in page
    assert 'aria-current="page">Privacy</a>' in page, "still under the Privacy tab"
    entries = re.findall(r"<li><time[^>]*>([^<]+)</time> — (.+?)</li>", page)
    assert [(when, re.sub(r"<[^>]+>", "", what)) for when, what in entries] == [
        ("2 Nov 2026, 10:00 GMT", f"Research: off (On the Privacy tab, policy {current_policy_version()})"),
        ("1 Nov 2026, 10:00 GMT", f"Research: on (On the Privacy tab, policy {current_policy_version()})"),
    ]
    assert "2099-01" not in page, "no one else's choices"


def test_without_any_choice_the_tab_has_no_history_link_and_the_page_says_there_is_none(signed_in):
    tab = signed_in.get("/settings/privacy/").content.decode()
    assert "Your history of choices" not in tab
    page = signed_in.get("/settings/privacy/consents/history/").content.decode()
    assert "You have not turned any of them on or off yet." in page


def test_the_history_of_choices_needs_a_signed_in_learner(client):
    response = client.get("/settings/privacy/consents/history/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/settings/privacy/consents/history/")


def test_every_purpose_starts_off_and_nothing_is_processed(signed_in, learner):
    page = signed_in.get("/settings/privacy/").content.decode()
    assert page.count("you have not decided") == len(CONSENT_PURPOSES)
    assert not any(may_process(learner, purpose) for purpose in CONSENT_PURPOSES)


def test_granting_and_withdrawing_take_one_click_each_and_are_confirmed(signed_in, learner):
    granted = choose(signed_in, "research", True).content.decode()
    assert "is now on." in granted
    assert may_process(learner, "research")

    withdrawn = choose(signed_in, "research", False).content.decode()
    assert "is now off." in withdrawn
    assert not may_process(learner, "research")
    assert list(Consent.objects.filter(user=learner).values_list("granted", "source")) == [
        (False, "settings"),
        (True, "settings"),
    ]
    assert AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.CONSENT_CHANGED).count() == 2
    assert "Your history of choices" in withdrawn


def test_the_latest_entry_wins_and_repeating_a_choice_writes_nothing(learner):
    with time_machine.travel("2026-11-01 10:00Z"):
        consent_record(actor=learner, user=learner, purpose="personalization", granted=True, source="settings")
    with time_machine.travel("2026-11-02 10:00Z"):
        consent_record(actor=learner, user=learner, purpose="personalization", granted=False, source="api")
        consent_record(actor=learner, user=learner, purpose="personalization", granted=False, source="settings")
    assert Consent.objects.filter(user=learner).count() == 2
    assert not may_process(learner, "personalization")


def test_an_objection_to_marketing_stops_it_for_good(signed_in, learner):
    consent_record(actor=learner, user=learner, purpose="marketing_email", granted=False, source="objection")
    page = choose(signed_in, "marketing_email", True).content.decode()
    assert "You objected to news by email" in page
    assert "Off for good" in page
    assert not may_process(learner, "marketing_email")


def test_deactivated_accounts_are_never_processed(learner):
    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    assert not may_process(learner, "research")


def test_unknown_purposes_are_refused(signed_in, learner):
    assert "Nothing was changed" in choose(signed_in, "sell_my_data", True).content.decode()
    assert not Consent.objects.exists()
    assert not may_process(learner, "sell_my_data")


def test_the_database_refuses_to_rewrite_or_delete_the_ledger(learner):
    entry = consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        Consent.objects.filter(pk=entry.pk).update(granted=False)
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        Consent.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.granted


def test_staff_recording_on_a_learners_behalf_must_say_why(learner):
    from privacy.exceptions import PrivacyError

    staff = UserFactory(is_staff=True)
    with pytest.raises(PrivacyError, match="Say why"):
        consent_record(actor=staff, user=learner, purpose="research", granted=True, source="staff")
    entry = consent_record(
        actor=staff, user=learner, purpose="research", granted=True, source="staff", note="Asked by phone."
    )
    assert entry.actor == staff and entry.policy_version


def test_the_privacy_officer_lifts_a_restriction_and_the_learner_is_told_first(
    client, learner, verified_login, django_capture_on_commit_callbacks
):
    from django.core import mail

    from privacy.models import ProcessingRestriction
    from privacy.services import restriction_start

    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    restriction = restriction_start(actor=None, user=learner, reason="Accuracy contested.")
    assert not may_process(learner, "research")
    officer = staff_member("dpo", StaffGroup.PRIVACY_OFFICER)
    verified_login(client, officer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/privacy/processingrestriction/",
            {"action": "lift", "_selected_action": [restriction.pk]},
        )

    assert ProcessingRestriction.objects.get(pk=restriction.pk).lifted_at is not None
    assert "We are now lifting that pause" in mail.outbox[-1].body
    assert may_process(learner, "research")


def test_the_privacy_officer_restricts_processing_in_admin(client, learner, verified_login):
    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    officer = staff_member("dpo2", StaffGroup.PRIVACY_OFFICER)
    verified_login(client, officer)

    response = client.post(
        "/admin/privacy/processingrestriction/add/", {"user": learner.pk, "reason": "Accuracy contested by phone."}
    )

    assert response.status_code == 302
    assert not may_process(learner, "research")
    assert learner.restrictions.get().started_by == officer


@pytest.mark.django_db(transaction=True)
def test_the_privacy_officer_restricts_processing_in_admin_on_a_database_migrated_before_the_grant(
    client, verified_login
):
    """Databases that ran privacy 0007 before it granted the officer restrictions get the grant by migrating."""
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    # Made before migrating back: today's profile has columns that schema lacks.
    officer = staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)
    MigrationExecutor(connection).migrate([("accounts", "0006_totp_device_encrypted_key")])
    officer.groups.get().permissions.remove(Permission.objects.get(codename="add_processingrestriction"))
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    learner = UserFactory(username="lin")
    verified_login(client, officer)
    response = client.post(
        "/admin/privacy/processingrestriction/add/", {"user": learner.pk, "reason": "Accuracy contested by phone."}
    )
    assert response.status_code == 302
    assert not may_process(learner, "research")
    assert learner.restrictions.get().started_by == officer


def test_a_purpose_added_later_is_not_granted_for_anyone_until_they_choose(signed_in, learner, monkeypatch):
    from privacy import models

    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    monkeypatch.setitem(models.CONSENT_PURPOSES, "alumni_network", "Introduce me to alumni of my courses.")

    assert not may_process(learner, "alumni_network")
    page = signed_in.get("/settings/privacy/").content.decode()
    assert "Introduce me to alumni of my courses." in page
    assert page.count("you have not decided") == len(CONSENT_PURPOSES) - 1


@pytest.mark.django_db(transaction=True)
def test_the_same_choice_made_twice_at_once_is_written_once():
    """Two identical choices at the same moment (two tabs, a retried request) leave one ledger entry."""
    import threading

    from django.db import connection

    learner = UserFactory(username="twice")
    barrier = threading.Barrier(4)

    def choose_research():
        try:
            barrier.wait(5)
            consent_record(actor=learner, user=learner, purpose="research", granted=True, source=Consent.Source.API)
        finally:
            connection.close()

    threads = [threading.Thread(target=choose_research) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert Consent.objects.filter(user=learner, purpose="research").count() == 1


def test_a_long_ledger_shows_the_current_choices_an_old_objection_and_the_latest_50(signed_in, learner):
    """An objection 60 entries back still keeps marketing off for good; the history page lists the newest 50."""
    entries = [Consent(purpose="marketing_email", granted=False, source=Consent.Source.OBJECTION)]
    entries += [Consent(purpose="research", granted=n % 2 == 0, source=Consent.Source.SETTINGS) for n in range(60)]
    entries += [Consent(purpose="personalization", granted=True, source=Consent.Source.API)]
    for entry in entries:
        entry.user, entry.policy_version = learner, "2026-01"
    Consent.objects.bulk_create(entries)  # one time for all: the newest are the last written

    page = signed_in.get("/settings/privacy/").content.decode()
    history = signed_in.get(link_to(page, "Your history of choices")).content.decode().split('id="history-heading"')[1]

    assert history.count("<li>") == 50 and "Your 50 latest choices of 62." in history
    assert "Personalization: <strong>on</strong>" in history.split("<li>")[1], "newest first"
    assert "Off for good" in page
    states = consent_states(learner)
    assert (states["research"].granted, states["personalization"].granted) == (False, True)
    assert states["marketing_email"].objected and states["marketing_email"].latest.source == Consent.Source.OBJECTION
