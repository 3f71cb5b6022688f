"""What staff write about a learner is erased with them; what an erasure leaves, the privacy officer removes.

GDPR Art. 17(1): an erasure is finished only when no identifier of the learner is left.
"""

from html import unescape

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from compliance.models import AuditEvent
from compliance.search import search_tokens
from compliance.services import audit_record
from learnerportal.tests.factories import RequestEventFactory, UserFactory
from privacy.models import Consent
from privacy.services import consent_record
from rights_requests import services
from rights_requests.models import RequestEvent, RightsRequest, Status

pytestmark = pytest.mark.django_db

PLACEHOLDER = "[erased learner]"


def leftovers_url(request):
    return f"/admin/rights_requests/rightsrequest/{request.pk}/leftovers/"


@pytest.fixture
def erase(officer, django_capture_on_commit_callbacks):
    """Return ``erase(learner)``: file the learner's erasure and have the privacy officer approve it."""

    def run(subject):
        erasure = services.request_submit(actor=subject, subject=subject, request_type="erasure")
        with django_capture_on_commit_callbacks(execute=True):
            services.request_approve(actor=officer, request=erasure)
        return RightsRequest.objects.get(pk=erasure.pk)

    return run


@pytest.fixture
def gossip():
    """Another learner's request, on which staff noted the learner's address (a leftover an erasure cannot see)."""
    other = UserFactory(username="bilal")
    request = services.request_submit(actor=other, subject=other, request_type="erasure")
    return RequestEventFactory(
        request=request,
        action=RequestEvent.Action.ASSIGNED,
        note="Same household as noor@example.org; check both accounts.",
    )


def test_staff_notes_and_reasons_keep_their_words_but_lose_the_learners_identifiers(
    learner, officer, agent, make_request, erase
):
    rejected = make_request(status="rejected", request_type="rectification")
    RightsRequest.objects.filter(pk=rejected.pk).update(
        decision_reason="Noor Al-Hassan asked from noor@example.org for a change we cannot make."
    )
    services.request_extend(
        actor=officer,
        request=make_request(request_type="access"),
        months=2,
        reason="noor@example.org sent 300 attachments.",
    )
    verified = make_request(status="awaiting_verification", request_type="portability")
    services.request_verify(actor=agent, request=verified, note="Called +44 7700 900555, Noor answered as noor.")
    consent_record(
        actor=agent,
        user=learner,
        purpose="research",
        granted=False,
        source=Consent.Source.STAFF,
        note="Noor Al-Hassan asked on the phone to stop.",
    )

    erasure = erase(learner)

    assert erasure.status == Status.COMPLETED
    assert erasure.result["erasure_receipt"]["scan"] == []
    rejected.refresh_from_db()
    assert rejected.decision_reason == f"{PLACEHOLDER} asked from {PLACEHOLDER} for a change we cannot make."
    assert RightsRequest.objects.get(type="access", subject=learner).extension_reason == (
        f"{PLACEHOLDER} sent 300 attachments."
    )
    assert RequestEvent.objects.get(request=verified, action="verified").note == (
        f"Called {PLACEHOLDER}, {PLACEHOLDER} answered as {PLACEHOLDER}."
    )
    assert Consent.objects.get(user=learner, source="staff").note == f"{PLACEHOLDER} asked on the phone to stop."


def test_an_erasure_that_leaves_an_identifier_stays_open_until_the_officer_removes_it(
    learner, officer, gossip, erase, client, verified_login
):
    erasure = erase(learner)

    assert erasure.status == Status.COMPLETED_WITH_FINDINGS
    assert erasure.is_open, "not finished: it stays in the queue, against its deadline"
    assert erasure.erasure_identifiers["email"] == "noor@example.org"
    verified_login(client, officer)
    queue = client.get("/admin/rights_requests/rightsrequest/?deadline=open").content.decode()
    assert erasure.reference in queue and "Completed — our team is removing a few leftovers" in queue

    page = client.get(leftovers_url(erasure)).content.decode()
    assert "rights_requests_requestevent" in page and f".note.{gossip.pk}" in page
    assert "noor@example.org" not in page and "Noor Al-Hassan" not in page

    response = client.post(leftovers_url(erasure), {"place": f"rights_requests_requestevent.note.{gossip.pk}"})

    assert response.status_code == 302
    erasure.refresh_from_db()
    gossip.refresh_from_db()
    assert gossip.note == f"Same household as {PLACEHOLDER}; check both accounts."
    assert erasure.status == Status.COMPLETED
    assert erasure.erasure_identifiers == {}, "the identifiers are kept only while something is left"
    assert erasure.result["erasure_receipt"]["scan"] == []
    assert erasure.result["erasure_receipt"]["redacted"] == 1
    assert erasure.events.last().action == RequestEvent.Action.LEFTOVERS_CLEARED
    audit = AuditEvent.objects.filter(subject=learner, actor=officer).latest("id")
    assert audit.changes["redacted"] == [f"rights_requests_requestevent.note.{gossip.pk}"]
    assert "noor" not in str(audit.changes)
    receipt = client.get(f"/admin/rights_requests/rightsrequest/{erasure.pk}/change/").content.decode()
    receipt = unescape(receipt)
    assert "no former identifier remains." in receipt
    assert "The privacy officer removed the learner's identifiers from 1 place by hand." in receipt


def test_only_the_privacy_officer_sees_and_removes_leftovers(learner, agent, gossip, erase, client, verified_login):
    erasure = erase(learner)
    verified_login(client, agent)

    assert client.get(leftovers_url(erasure)).status_code == 403
    assert client.post(leftovers_url(erasure), {"all": "1"}).status_code == 403
    gossip.refresh_from_db()
    assert "noor@example.org" in gossip.note


def test_a_place_the_scan_does_not_list_cannot_be_changed(learner, officer, gossip, erase, client, verified_login):
    """The form names rows; a forged one (another learner's bio) is ignored, never rewritten."""
    erasure = erase(learner)
    bystander = UserFactory(username="carla")
    bystander.profile.bio = "I know noor well"
    bystander.profile.save()
    verified_login(client, officer)

    client.post(leftovers_url(erasure), {"place": f"accounts_profile.bio.{bystander.profile.pk + 1000}"})

    erasure.refresh_from_db()
    assert erasure.status == Status.COMPLETED_WITH_FINDINGS
    gossip.refresh_from_db()
    assert "noor@example.org" in gossip.note


def test_what_is_not_free_text_is_checked_by_hand_and_marked_never_rewritten(
    learner, officer, gossip, erase, client, verified_login
):
    """The admin log and the learner's own audit log: a person decides, nothing is rewritten.

    A new account that reads like the old one is another person's, not a leftover.
    """
    other = UserFactory(username="dana")
    entry = LogEntry.objects.create(
        user=officer,
        content_type=ContentType.objects.get_for_model(other),
        object_id=str(other.pk),
        object_repr="dana, noor's sister",
        action_flag=CHANGE,
    )
    event = audit_record(actor=None, subject=learner, action=AuditEvent.Action.PROFILE_UPDATED, changes={"by": "noor"})
    erasure = erase(learner)
    newcomer = UserFactory(username="noor", email="noor@example.org")  # the address, registered again
    verified_login(client, officer)

    page = client.get(leftovers_url(erasure)).content.decode()
    assert page.count("Check by hand") == 2 and page.count("Free text: remove") == 1
    assert f"accounts_user.username.{newcomer.pk}" not in page
    client.post(leftovers_url(erasure), {"all": "1"})

    gossip.refresh_from_db()
    entry.refresh_from_db()
    newcomer.refresh_from_db()
    assert PLACEHOLDER in gossip.note
    assert entry.object_repr == "dana, noor's sister"
    assert (newcomer.username, newcomer.email) == ("noor", "noor@example.org")
    erasure.refresh_from_db()
    assert erasure.status == Status.COMPLETED_WITH_FINDINGS, "what is not free text waits for a person"

    keys = [f"django_admin_log.object_repr.{entry.pk}", f"privacy_auditevent.changes.{event.pk}"]
    response = client.post(leftovers_url(erasure), {"dismiss": "1", "place": keys}, follow=True)

    assert "the erasure is complete" in response.content.decode()
    erasure.refresh_from_db()
    assert erasure.status == Status.COMPLETED
    assert sorted(erasure.result["erasure_receipt"]["dismissed"]) == sorted(keys)
    newcomer.refresh_from_db()
    assert newcomer.username == "noor"


def test_settings_and_choices_that_read_like_the_learner_are_not_leftovers(learner, make_request, erase):
    """A username that is also a request type, a name that is also a status: fixed values name nobody."""
    learner.username = "objection"
    learner.save()
    make_request(request_type="objection", status="completed", subject=UserFactory(username="zara"))

    erasure = erase(learner)

    assert erasure.status == Status.COMPLETED
    assert RightsRequest.objects.filter(type="objection").exists()


def test_another_learners_request_details_naming_the_learner_are_found_and_redacted(
    learner, officer, erase, client, verified_login
):
    """Encrypted free text cannot be searched in SQL: it is decrypted in every row, not only the learner's."""
    other = UserFactory(username="amara")
    services.request_submit(
        actor=other,
        subject=other,
        request_type="rectification",
        details={"note": "My flatmate Noor Al-Hassan (noor@example.org, +44 7700 900555) shares this laptop."},
    )
    erasure = erase(learner)
    assert erasure.status == Status.COMPLETED_WITH_FINDINGS
    verified_login(client, officer)

    client.post(leftovers_url(erasure), {"all": "1"})

    erasure.refresh_from_db()
    assert erasure.status == Status.COMPLETED
    redacted = RightsRequest.objects.get(subject=other)
    assert redacted.details["note"] == f"My flatmate {PLACEHOLDER} ({PLACEHOLDER}, {PLACEHOLDER}) shares this laptop."
    assert redacted.details_search is not None, "indexed again: the next erasure need not decrypt it"
    assert not set(search_tokens("Noor Al-Hassan noor@example.org")[2:]) & set(redacted.details_search)


def test_a_phone_number_written_another_way_is_erased_too(learner, officer, make_request, erase):
    services.request_extend(
        actor=officer,
        request=make_request(request_type="access"),
        months=2,
        reason="Rang +447700900555, then 07700 900555, 0044 7700-900-555, 07700 – 900 – 555 and (0)7700.900.555.",
    )

    erasure = erase(learner)

    assert erasure.status == Status.COMPLETED
    reason = RightsRequest.objects.get(subject=learner, type="access").extension_reason
    assert reason == f"Rang {PLACEHOLDER}, then {PLACEHOLDER}, {PLACEHOLDER}, {PLACEHOLDER} and {PLACEHOLDER}."


def test_redacted_text_is_not_redacted_again_nor_found_again(officer, make_request, erase, client, verified_login):
    """A learner named "learner": earlier placeholders do not read as leftovers, nor grow on each removal."""
    named_like_the_placeholder = UserFactory(username="learner", email="learner@example.org")
    other = UserFactory(username="omar")
    other.profile.bio = "learner@example.org called; [erased learner] called too"
    other.profile.save()
    erasure = erase(named_like_the_placeholder)
    verified_login(client, officer)

    client.post(leftovers_url(erasure), {"all": "1"})
    client.post(leftovers_url(erasure), {"all": "1"})

    other.profile.refresh_from_db()
    assert other.profile.bio == f"{PLACEHOLDER} called; {PLACEHOLDER} called too"
    erasure.refresh_from_db()
    assert erasure.status == Status.COMPLETED


def test_the_admin_log_is_checked_by_hand_never_rewritten(learner, officer, gossip, erase, client, verified_login):
    """An admin log entry names the record changed: it may be a new account that reads like the old one."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    erasure_of_noor = erase(learner)
    newcomer = UserFactory(username="noor", email="noor@example.org")
    entry = LogEntry.objects.create(
        user=officer,
        content_type=ContentType.objects.get_for_model(newcomer),
        object_id=str(newcomer.pk),
        object_repr="noor",
        action_flag=CHANGE,
    )
    verified_login(client, officer)

    page = client.get(leftovers_url(erasure_of_noor)).content.decode()
    client.post(leftovers_url(erasure_of_noor), {"all": "1"})

    assert f"django_admin_log.object_repr.{entry.pk}" in page
    entry.refresh_from_db()
    assert entry.object_repr == "noor"
