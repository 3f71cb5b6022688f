"""Global Privacy Control: a browser sending ``Sec-GPC: 1`` opts its learner out of marketing email and partner sharing.

GPC specification §3 (the header); CCPA regulations 11 CCR §7025 (an opt-out of sale and sharing,
never a grant; a later consent of the learner's own may be asked for).
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from privacy.models import Consent
from privacy.selectors import may_process
from privacy.services import consent_record, global_privacy_control_honour

pytestmark = pytest.mark.django_db

GPC = {"HTTP_SEC_GPC": "1"}
SIGNAL_NOTE = "Your browser asked us not to do this (Global Privacy Control)"


def grant(learner, *purposes):
    for purpose in purposes:
        consent_record(actor=learner, user=learner, purpose=purpose, granted=True, source="settings")


def test_the_signal_turns_marketing_and_partner_sharing_off_and_says_why(signed_in, learner):
    grant(learner, "marketing_email", "partner_sharing", "research")

    page = signed_in.get("/settings/privacy/", **GPC).content.decode()

    assert not may_process(learner, "marketing_email") and not may_process(learner, "partner_sharing")
    assert may_process(learner, "research"), "the signal is about sale and sharing, not research"
    assert page.count(SIGNAL_NOTE) == 2
    sources = set(Consent.objects.filter(user=learner, granted=False).values_list("purpose", "source"))
    assert sources == {("marketing_email", "gpc"), ("partner_sharing", "gpc")}


def test_the_signal_is_recorded_once_even_where_the_learner_had_not_decided(signed_in, learner):
    for _ in range(3):
        signed_in.get("/settings/privacy/", **GPC)
    Client(**GPC).get("/")  # a visitor: nothing to record

    assert Consent.objects.filter(user=learner, source="gpc").count() == 2
    assert SIGNAL_NOTE in signed_in.get("/settings/privacy/").content.decode(), "it stays shown without the header"


def test_the_learners_own_choice_after_the_signal_stands(signed_in, learner):
    signed_in.get("/settings/privacy/", **GPC)
    signed_in.post("/settings/privacy/consents/", {"purpose": "marketing_email", "granted": "1"}, **GPC)

    page = signed_in.get("/settings/privacy/", **GPC).content.decode()

    assert may_process(learner, "marketing_email"), "a new session's signal does not undo the learner's own choice"
    assert page.count(SIGNAL_NOTE) == 1


def test_the_signal_never_turns_anything_on(signed_in, learner):
    signed_in.get("/settings/privacy/", HTTP_SEC_GPC="0")
    signed_in.get("/settings/privacy/", **GPC)

    assert not Consent.objects.filter(user=learner, granted=True).exists()


def test_once_recorded_the_signal_costs_the_session_no_query(signed_in):
    signed_in.get("/settings/privacy/", **GPC)
    with CaptureQueriesContext(connection) as with_signal:
        signed_in.get("/settings/privacy/", **GPC)
    with CaptureQueriesContext(connection) as without:
        signed_in.get("/settings/privacy/")

    assert len(with_signal) == len(without)


@pytest.mark.django_db(transaction=True)
def test_requests_sent_at_once_with_the_signal_record_it_once(learner):
    """Eight requests of a new session at once: each would find no entry yet without the data subject's lock."""
    start = threading.Barrier(8)

    def honour():
        try:
            start.wait()
            global_privacy_control_honour(user=learner)
        finally:
            connection.close()

    threads = [threading.Thread(target=honour) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Consent.objects.filter(user=learner, source="gpc").count() == 2


def test_staff_are_not_opted_out_by_their_browser_in_admin(client, officer, verified_login):
    verified_login(client, officer)

    client.get("/admin/", **GPC)

    assert not Consent.objects.filter(user=officer).exists()


# The signal as page scripts read it (navigator.globalPrivacyControl), for browsers that expose it without the header.

SCRIPT_URL = "/settings/privacy/global-privacy-control/"


def test_a_page_script_reporting_the_signal_turns_sharing_off_once(signed_in, learner):
    grant(learner, "marketing_email", "partner_sharing")

    first = signed_in.post(SCRIPT_URL)
    again = signed_in.post(SCRIPT_URL)

    assert first.json() == {"recorded": ["marketing_email", "partner_sharing"]}
    assert again.json() == {"recorded": []}
    assert not may_process(learner, "marketing_email") and not may_process(learner, "partner_sharing")
    assert SIGNAL_NOTE in signed_in.get("/settings/privacy/").content.decode()


def test_pages_carry_the_script_only_until_the_session_recorded_the_signal(signed_in):
    assert "js/gpc.js" in signed_in.get("/settings/privacy/").content.decode()

    signed_in.get("/", **GPC)

    assert "js/gpc.js" not in signed_in.get("/settings/privacy/").content.decode()


def test_visitors_and_staff_get_no_script_and_record_nothing(client, agent):
    assert "js/gpc.js" not in client.get("/accounts/login/").content.decode()
    assert client.post(SCRIPT_URL).status_code == 302  # to sign in

    staff = Client()
    staff.force_login(agent)
    assert "js/gpc.js" not in staff.get("/").content.decode()
    assert staff.post(SCRIPT_URL).json() == {"recorded": []}
    assert not Consent.objects.filter(user=agent).exists()


def test_another_site_cannot_post_the_signal_for_a_learner(learner):
    """The endpoint only ever turns things off, and still it keeps Django's CSRF check."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)

    assert browser.post(SCRIPT_URL).status_code == 403
    assert browser.get(SCRIPT_URL).status_code == 405
    assert not Consent.objects.filter(user=learner, source="gpc").exists()
