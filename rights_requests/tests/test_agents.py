"""Requests an authorised agent or a parent files for a learner at ``/privacy/request/``, as they, the learner, staff
and an attacker meet them through HTTP."""

import datetime
import io
import re
import zipfile
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from compliance.erasure import erasure_execute
from compliance.models import AuditEvent
from learnerportal.tests.factories import authorisation_pdf, image_file
from learnerportal.tests.support import (
    OBJECTION_LINK,
    PUBLIC_DOWNLOAD_LINK,
    agent_request_post,
    emailed_code,
    public_code_post,
    public_request_post,
)
from rights_requests import agents, public, services, tasks
from rights_requests.exceptions import NotPermitted, TransitionNotAllowed
from rights_requests.models import PublicRequest, PublicRequestEvent, RequestEvent, RightsRequest, Status
from rights_requests.portability import portable_export_file
from rights_requests.reports import access_report_file

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/rights_requests/rightsrequest/"
PUBLIC_CHANGELIST = "/admin/rights_requests/publicrequest/"
FIELD = "CHANGE_FORM-action"
NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def file_for(client, learner_email, authorisation=None, request_type="access", **fields):
    """File as agent Ana Ruiz for ``learner_email`` and type her emailed code; return the answer to the code."""
    answer = agent_request_post(
        client, "ana@example.net", learner_email, authorisation or authorisation_pdf(), request_type, **fields
    )
    assert answer.status_code == 302, plain(answer)
    return public_code_post(client, emailed_code(mail.outbox[-1]))


def plain(response):
    """Return the page's text, tags dropped, without the CSRF token (which differs on every page)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def stored_authorisations():
    """Return the names in the storage folder of signed authorisations."""
    return (
        set(default_storage.listdir("agent-authorisations")[1])
        if default_storage.exists("agent-authorisations")
        else set()
    )


def to(address):
    return [message for message in mail.outbox if message.to == [address]]


def staff_step(client, rights_request, button, **answers):
    """Take ``button`` on the request's admin page with its form's ``answers``; return the page it lands on."""
    page = f"{CHANGELIST}{rights_request.pk}/change/"
    data = {FIELD: button, "_selected_action": str(rights_request.pk), "apply": "1", **answers}
    return client.post(page, data, follow=True)


def buttons(client, rights_request):
    html = client.get(f"{CHANGELIST}{rights_request.pk}/change/").content.decode()
    return set(re.findall(rf'name="{FIELD}" value="([a-z_]+)"', html))


# The agent files.


def test_an_agent_files_for_a_learner_and_the_pages_read_the_same_with_or_without_an_account(learner):
    for_noor, for_nobody = Client(), Client()
    assert file_for(for_noor, learner.email)["Location"] == "/privacy/request/done/"
    assert file_for(for_nobody, "nobody@example.net")["Location"] == "/privacy/request/done/"

    done = for_noor.get("/privacy/request/done/")
    assert plain(done) == plain(for_nobody.get("/privacy/request/done/"))
    assert "We never send the learner's data to you" in plain(done)
    code_emails = to("ana@example.net")
    assert (
        len(code_emails) == 2 and code_emails[0].body.split("Your code")[0] == code_emails[1].body.split("Your code")[0]
    )
    assert "for someone else" in code_emails[0].body
    assert "Get a copy of your data" not in code_emails[0].body, "the learner's words for the right, not the filer's"

    rights_request = RightsRequest.objects.get()
    assert (rights_request.subject, rights_request.filed_by) == (learner, "agent")
    assert rights_request.status == Status.AWAITING_VERIFICATION, "nothing moves before staff check the agent"
    filing = PublicRequest.objects.get(rights_request=rights_request)
    assert (filing.email, filing.learner_email, filing.agent_name) == ("ana@example.net", learner.email, "Ana Ruiz")
    assert PublicRequest.objects.get(learner_email="nobody@example.net").status == PublicRequest.Status.NO_ACCOUNT


def test_the_learner_is_told_who_filed_what_and_how_to_object_and_nothing_else(learner):
    file_for(Client(), learner.email, request_type="portability")
    (notice,) = to(learner.email)
    assert notice.subject.startswith("Someone asked us about your data on your behalf (DSR-")
    body = " ".join(notice.body.split())
    assert "on your behalf, as an authorised agent. They verified the address ana@example.net." in body
    assert "The name they typed on our form (their words, not ours): “Ana Ruiz”." in body
    assert "They asked for: Take your data elsewhere" in notice.body
    assert "We never send your data to them" in notice.body
    assert OBJECTION_LINK.search(notice.body)
    assert not PUBLIC_DOWNLOAD_LINK.search(notice.body)
    submitted = RightsRequest.objects.get().events.get(action=RequestEvent.Action.SUBMITTED)
    assert submitted.emailed_at is not None, "this notice is the request's acknowledgement: not a second email"


def test_the_authorisation_is_stored_encrypted_under_a_random_name_and_served_by_no_public_url(learner):
    upload = authorisation_pdf("Noor signed this.pdf")
    file_for(Client(), learner.email, upload)
    filing = PublicRequest.objects.get()
    assert filing.authorisation.name.startswith("agent-authorisations/") and "Noor" not in filing.authorisation.name
    with default_storage.open(filing.authorisation.name, "rb") as stored:
        assert b"%PDF" not in stored.read(), "encrypted at rest"
    assert (filing.authorisation_type, filing.authorisation_size) == ("application/pdf", upload.size)
    assert Client().get(f"/media/{filing.authorisation.name}").status_code == 404
    assert Client().get(f"/{filing.authorisation.name}").status_code == 404


@pytest.mark.parametrize(
    ("upload", "refusal"),
    [
        (
            SimpleUploadedFile("letter.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"),
            "This file is not a PDF, PNG or JPEG (we look at what it holds, not at its name).",
        ),
        (
            SimpleUploadedFile("letter.pdf", b"%PDF-1.7\n but cut off before its end", content_type="application/pdf"),
            "This file is not a PDF, PNG or JPEG",
        ),
        (
            authorisation_pdf(padding=int(5.5 * 1024 * 1024)),
            "This file is 5.5 MB; a signed authorisation may be at most 5 MB.",
        ),
        (None, "Upload the authorisation, signed."),
    ],
    ids=["a page named .pdf", "a cut-off PDF", "over 5 MB", "none"],
)
def test_a_bad_authorisation_is_refused_beside_its_field_and_nothing_is_sent_or_stored(learner, upload, refusal):
    before = stored_authorisations()
    response = agent_request_post(Client(), "ana@example.net", learner.email, upload)
    assert response.status_code == 200
    beside = re.search(r'id="id_authorisation_error">(.*?)</div>', response.content.decode(), re.S)[1]
    assert refusal in unescape(beside), "the refusal stands beside the file field"
    assert not mail.outbox and not PublicRequest.objects.exists()
    assert stored_authorisations() == before


def test_an_authorisation_a_little_over_the_limit_is_refused_beside_its_field_not_by_a_413_page(learner):
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * (7 * 1024 * 1024), content_type="application/pdf")
    response = agent_request_post(Client(), "ana@example.net", learner.email, scan)
    assert response.status_code == 200
    assert "This file is 7 MB; a signed authorisation may be at most 5 MB." in plain(response)
    assert 'id="id_authorisation"' in response.content.decode(), "the form, with the field, not the 413 page"
    assert not mail.outbox and not PublicRequest.objects.exists(), "nothing sent or filed"
    huge = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * (12 * 1024 * 1024), content_type="application/pdf")
    assert agent_request_post(Client(), "ana@example.net", learner.email, huge).status_code == 413


def test_an_image_is_judged_by_its_content_not_its_name(learner):
    png = SimpleUploadedFile("scan.pdf", image_file("PNG", (30, 30)), content_type="application/pdf")
    file_for(Client(), learner.email, png)
    assert PublicRequest.objects.get().authorisation_type == "image/png"


def test_what_an_agent_must_give_is_asked_for_beside_each_field(learner):
    response = agent_request_post(Client(), "ana@example.net", "", authorisation_pdf(), name="")
    page = plain(response)
    assert page.count("Please fill this in.") == 2, "their name and the learner's address"
    own = agent_request_post(Client(), "ana@example.net", "ANA@example.net", authorisation_pdf())
    assert "This is your own address." in plain(own)
    assert not mail.outbox


@pytest.mark.parametrize(
    "name",
    [
        "Learner Portal Security Team. URGENT: sign in at https://evil.example/login",
        "Ana Ruiz 2",
        "ana@evil.example",
        "Note: call us",
        "A" * 71,
    ],
)
def test_an_agents_name_that_is_not_a_persons_name_is_refused_beside_the_field(learner, name):
    page = plain(agent_request_post(Client(), "ana@example.net", learner.email, authorisation_pdf(), name=name))
    assert "Give your name only: letters, spaces, apostrophes, hyphens and dots" in page or "at most 70" in page
    assert not mail.outbox and not PublicRequest.objects.exists(), "nothing reaches the learner"


def test_a_name_with_accents_apostrophes_hyphens_and_dots_is_a_name(learner):
    file_for(Client(), learner.email, name="Zoë O’Brien-Núñez  Jr.")
    assert "“Zoë O’Brien-Núñez Jr.”" in to(learner.email)[0].body


def test_someone_asking_for_themself_is_not_asked_for_an_authorisation(learner):
    data = {"filed_by": "subject", "email": learner.email, "type": "access", "learner_email": "not an address"}
    assert Client().post("/privacy/request/", data).status_code == 302
    assert PublicRequest.objects.get().filed_by == "subject"


# Staff check the agent, then the learner; nothing is released before.


def test_staff_verify_the_agents_authority_then_the_learner_and_the_copy_goes_to_the_learners_account(
    client, learner, agent, verified_login, django_capture_on_commit_callbacks
):
    file_for(Client(), learner.email)
    rights_request = RightsRequest.objects.get()
    verified_login(client, agent)

    queue = plain(client.get(f"{CHANGELIST}?filed_by__exact=agent"))
    assert "Access · filed by an authorised agent" in queue
    page = plain(client.get(f"{CHANGELIST}{rights_request.pk}/change/"))
    assert "An authorised agent: Ana Ruiz · ana@example.net" in page
    assert "not verified yet" in page
    assert buttons(client, rights_request) >= {"verify_authority", "reject"}
    assert "verify_identity" not in buttons(client, rights_request), "the agent's authority comes first"
    assert "approve" not in buttons(client, rights_request)

    unseen = staff_step(client, rights_request, "verify_authority", note="Looks fine.")
    assert "Open the signed authorisation first" in plain(unseen), "the form says to open it: it must be opened"
    assert PublicRequest.objects.get().authority_verified_at is None
    assert client.get(f"{PUBLIC_CHANGELIST}{PublicRequest.objects.get().pk}/authorisation/").status_code == 200
    answered = staff_step(client, rights_request, "verify_authority", note="Signed by the learner; names Ana.")
    assert "Verified the authority of who filed 1 request" in plain(answered)
    assert buttons(client, rights_request) >= {"verify_identity"}
    assert "approve" not in buttons(client, rights_request), "the learner is not verified yet"
    filing = PublicRequest.objects.get()
    assert (filing.authority_verified_by, filing.authority_verified_at is not None) == (agent, True)
    staff_step(client, rights_request, "verify_identity", note="Called the learner on the number we hold.")
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL
    steps = list(rights_request.events.values_list("action", "actor"))
    assert steps == [("submitted", None), ("authority_verified", agent.pk), ("verified", agent.pk)]
    audited = AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.REQUEST_STEP, actor=agent)
    assert sorted(audited.values_list("changes__step", flat=True)) == ["authority_verified", "verified"]

    with django_capture_on_commit_callbacks(execute=True):
        staff_step(client, rights_request, "approve")
    rights_request.refresh_from_db()
    assert rights_request.status == Status.COMPLETED
    (completion,) = [m for m in to(learner.email) if "is complete" in m.subject]
    assert "Filed for you by: Ana Ruiz (an authorised agent)" in completion.body
    assert not PUBLIC_DOWNLOAD_LINK.search(completion.body), "no link: the report is in the learner's account"
    (outcome,) = [m for m in to("ana@example.net") if "filed for someone else" in m.subject]
    assert "went to the learner's own account, not to you" in outcome.body
    assert "Noor" not in outcome.body

    learner_session = Client()
    learner_session.force_login(learner)
    download = learner_session.get(f"/settings/data/{rights_request.pk}/download/")
    assert download.status_code == 200 and b"Noor Al-Hassan" in b"".join(download.streaming_content)


def test_nothing_is_approved_carried_out_or_released_before_both_checks(learner, agent, officer):
    file_for(Client(), learner.email, request_type="erasure")
    rights_request = RightsRequest.objects.get()
    with pytest.raises(TransitionNotAllowed):
        services.request_approve(actor=officer, request=rights_request)
    with pytest.raises(TransitionNotAllowed, match="Verify the authority of the agent or parent who filed it first"):
        services.request_verify(actor=officer, request=rights_request, note="Called her.")
    with pytest.raises(NotPermitted):
        agents.agent_authority_verify(actor=agent, request=rights_request, note="An erasure is the officer's.")
    agents.authorisation_open(actor=officer, public_request=PublicRequest.objects.get())
    agents.agent_authority_verify(actor=officer, request=rights_request, note="Signed by the learner.")
    with pytest.raises(TransitionNotAllowed):
        services.request_approve(actor=officer, request=rights_request)
    tasks.process_request.call(request_id=str(rights_request.pk))  # a forged task finds nothing to do
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_VERIFICATION
    assert learner.is_active and learner.profile.full_name == "Noor Al-Hassan"


def test_an_erasure_filed_by_an_agent_asks_them_for_no_password(learner):
    client = Client()
    file_for(client, learner.email, request_type="erasure")
    assert client.get("/privacy/request/done/").status_code == 200
    assert client.get("/privacy/request/password/")["Location"] == "/privacy/request/done/"


def test_a_restriction_filed_by_an_agent_restricts_nothing_until_both_checks(learner):
    from privacy.selectors import active_restriction

    file_for(Client(), learner.email, request_type="restriction", text="My grades are wrong.")
    assert active_restriction(learner) is None


def test_staff_may_refuse_with_a_reason_which_the_learner_and_the_agent_are_told(
    learner, agent, django_capture_on_commit_callbacks
):
    file_for(Client(), learner.email)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_reject(
            actor=agent, request=RightsRequest.objects.get(), reason="The authorisation is not signed by the learner."
        )
    (learner_told,) = [m for m in to(learner.email) if "declined" in m.subject]
    assert "The authorisation is not signed by the learner." in learner_told.body
    (agent_told,) = [m for m in to("ana@example.net") if "filed for someone else" in m.subject]
    assert "We have declined the request. Our reason: The authorisation is not signed by the learner." in (
        " ".join(agent_told.body.split())
    )


# The learner objects.


def test_the_learner_objecting_cancels_the_request_and_the_agent_is_told(learner, django_capture_on_commit_callbacks):
    file_for(Client(), learner.email)
    link = OBJECTION_LINK.search(to(learner.email)[0].body)[1]
    stranger = Client()  # the link is the key: no session
    page = plain(stranger.get(link))
    assert (
        "someone asked us, as an authorised agent, to act on your data on your behalf: Get a copy of your data." in page
    )
    assert "The name they typed (their words, not ours): “Ana Ruiz”." in page
    assert RightsRequest.objects.get().status == Status.AWAITING_VERIFICATION, "opening the link changes nothing"

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = stranger.post(link)
    assert "We cancelled the request and will not act on it." in plain(cancelled)
    rights_request = RightsRequest.objects.get()
    assert rights_request.status == Status.WITHDRAWN
    objection = rights_request.events.get(action=RequestEvent.Action.OBJECTED)
    assert objection.actor == learner
    assert AuditEvent.objects.filter(
        subject=learner, actor=learner, action=AuditEvent.Action.REQUEST_STEP, changes__step="objected"
    ).exists()
    assert PublicRequest.objects.get().objected_at is not None
    (agent_told,) = [m for m in to("ana@example.net") if "filed for someone else" in m.subject]
    assert "The learner told us they had not authorised this request, so we cancelled it." in agent_told.body

    again = plain(stranger.post(link))
    assert "can no longer be cancelled here" in again
    assert rights_request.events.filter(action=RequestEvent.Action.OBJECTED).count() == 1


def test_an_objection_link_cannot_be_forged_moved_or_used_after_the_address_changed(learner, amara):
    file_for(Client(), learner.email)
    link = OBJECTION_LINK.search(to(learner.email)[0].body)[1]
    assert Client().get(link[:-4] + "xx/").status_code == 404
    assert Client().post(link[:-4] + "xx/").status_code == 404
    learner.email = "noor.new@example.org"
    learner.save(update_fields=["email"])
    assert Client().post(link).status_code == 404
    assert RightsRequest.objects.get().status == Status.AWAITING_VERIFICATION


def test_an_agent_joining_the_learners_own_open_request_is_told_to_the_learner_whose_request_goes_on(learner):
    own = services.request_submit(actor=learner, subject=learner, request_type="rectification", details={"note": "x"})
    file_for(Client(), learner.email, request_type="rectification", text="Her name is Nour.")
    filing = PublicRequest.objects.get(filed_by="agent")
    assert filing.rights_request == own
    (notice,) = [m for m in to(learner.email) if "on your behalf" in m.subject]
    assert "You had already asked us for this yourself" in notice.body
    Client().post(OBJECTION_LINK.search(notice.body)[1])
    own.refresh_from_db()
    assert own.status == Status.AWAITING_APPROVAL, "the learner's own request goes on"
    filing.refresh_from_db()
    assert filing.objected_at is not None


def test_the_learners_own_request_by_code_takes_over_an_agents_open_filing_and_an_objection_keeps_it(
    client, learner, agent, verified_login
):
    file_for(Client(), learner.email, request_type="rectification", text="Her name is Nour.")
    (notice,) = to(learner.email)
    own = Client()
    public_request_post(own, learner.email, "rectification", "My surname is misspelt.")
    assert public_code_post(own, emailed_code(mail.outbox[-1]))["Location"] == "/privacy/request/done/"

    rights_request = RightsRequest.objects.get()
    assert rights_request.filed_by == "subject", "her own request, not the agent's"
    assert rights_request.status == Status.AWAITING_APPROVAL, "verified by her code, not held for the agent's authority"
    assert "My surname is misspelt." in str(rights_request.details)
    (acknowledgement,) = [m for m in to(learner.email) if m.subject.startswith("We received your request")]
    assert rights_request.reference in acknowledgement.subject
    assert "it is now your own request" in " ".join(rights_request.events.values_list("note", flat=True))

    link = OBJECTION_LINK.search(notice.body)[1]
    assert "your own request goes on whatever you answer here" in plain(Client().get(link))
    assert "Your own request for this goes on." in plain(Client().post(link))
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL, "objecting to the agent never withdraws her own request"
    assert PublicRequest.objects.get(filed_by="agent").objected_at is not None
    noted = rights_request.events.get(action=RequestEvent.Action.OBJECTION_NOTED)
    assert noted.actor == learner and noted.to_status == Status.AWAITING_APPROVAL
    assert "had not authorised the person who asked for this for you" in noted.note
    verified_login(client, agent)
    assert "The learner did not authorise who filed for them; it goes on as theirs" in plain(
        client.get(f"{CHANGELIST}{rights_request.pk}/change/")
    ), "staff see the objection in the request's history"


def test_signed_in_the_learner_is_offered_to_ask_herself_for_what_an_agent_filed_and_it_becomes_hers(
    signed_in, learner
):
    file_for(Client(), learner.email, request_type="rectification", text="Her name is Nour.")
    filed = RightsRequest.objects.get()
    tab = plain(signed_in.get("/settings/data/"))
    assert f"An authorised agent asked this for you: {filed.reference}" in tab
    assert "Ask for it yourself to have it handled as your own request." in tab
    assert "You already asked" not in tab, "she did not ask: her agent did"

    form = signed_in.get("/settings/data/new/rectification/")
    assert form.status_code == 200, "the form is shown, not a redirect to the agent's filing"
    assert f"An authorised agent asked this for you ({filed.reference}); ask for it yourself" in plain(form)
    done = signed_in.post("/settings/data/new/rectification/", {"note": "My surname is misspelt."}, follow=True)
    assert f"We received your request {filed.reference}" in plain(done)
    filed.refresh_from_db()
    assert filed.filed_by == "subject" and filed.status == Status.AWAITING_APPROVAL
    assert "My surname is misspelt." in str(filed.details)
    assert f"You already asked: {filed.reference}" in plain(signed_in.get("/settings/data/"))


def test_a_parents_filing_staff_checked_is_not_offered_again_nor_called_the_learners_own(signed_in, learner):
    file_for(Client(), learner.email, request_type="rectification", filed_by="parent", text="Her name is Nour.")
    filed = RightsRequest.objects.get()
    filed.status = Status.AWAITING_APPROVAL  # past staff's checks of the parent's authority and her identity
    filed.save(update_fields=["status"])
    tab = plain(signed_in.get("/settings/data/"))
    assert f"A parent or guardian asked this for you: {filed.reference}" in tab
    assert "Ask for it yourself" not in tab and "You already asked" not in tab
    answer = signed_in.get("/settings/data/new/rectification/", follow=True)
    assert answer.redirect_chain[-1][0] == f"/settings/data/{filed.pk}/"
    assert f"A parent or guardian asked this for you ({filed.reference}) and it is under way" in plain(answer)


def test_the_learner_filing_signed_in_takes_over_an_agents_restriction_which_then_restricts(learner):
    from privacy.selectors import active_restriction

    file_for(Client(), learner.email, request_type="restriction", text="My grades are wrong.")
    mine = services.request_submit(
        actor=learner, subject=learner, request_type="restriction", details={"reason": "My grades are wrong."}
    )
    assert mine == RightsRequest.objects.get() and mine.filed_by == "subject"
    assert mine.status != Status.AWAITING_VERIFICATION
    assert active_restriction(learner) is not None, "her own restriction acts at once, as when she files it alone"
    Client().post(OBJECTION_LINK.search(to(learner.email)[0].body)[1])
    mine.refresh_from_db()
    assert mine.status in (Status.AWAITING_APPROVAL, Status.APPROVED)


# Staff open the authorisation.


def test_staff_who_work_requests_open_the_authorisation_each_time_recorded(
    client, learner, agent, support_clerk, verified_login
):
    upload = authorisation_pdf()
    file_for(Client(), learner.email, upload)
    filing = PublicRequest.objects.get()
    url = f"{PUBLIC_CHANGELIST}{filing.pk}/authorisation/"
    verified_login(client, agent)
    page = client.get(f"{CHANGELIST}{filing.rights_request.pk}/change/").content.decode()
    assert f'href="{url}"' in page

    opened = client.get(url)
    assert opened.status_code == 200
    assert opened["Content-Type"] == "application/pdf"
    assert (
        opened["Content-Disposition"] == f'attachment; filename="authorisation-{filing.rights_request.reference}.pdf"'
    )
    upload.seek(0)
    assert opened.content == upload.read()
    assert filing.events.filter(action=PublicRequestEvent.Action.AUTHORISATION_OPENED, actor=agent).count() == 1
    viewed = AuditEvent.objects.filter(subject=learner, action=AuditEvent.Action.STAFF_VIEWED, actor=agent)
    opening = {"view": "the signed authorisation of the agent or parent who asked for you"}
    assert viewed.filter(changes__contains=opening).count() == 1, "the learner sees staff opened it"

    clerk = Client()
    verified_login(clerk, support_clerk)
    assert clerk.get(url).status_code == 403, "staff without the work permission"
    assert "login" in Client().get(url)["Location"], "the agent who uploaded it is sent to sign in"
    signed_in = Client()
    signed_in.force_login(learner)
    assert signed_in.get(url).status_code in (302, 403), "the learner it is about"
    assert filing.events.filter(action=PublicRequestEvent.Action.AUTHORISATION_OPENED).count() == 1


def test_another_requests_authorisation_url_gives_nothing(client, learner, agent, verified_login):
    file_for(Client(), "nobody@example.net")
    mine = PublicRequest.objects.get()
    unrelated = PublicRequest.objects.create(
        email="x@example.net", type="access", language="en-gb", status="no_account", created_at=timezone.now()
    )
    verified_login(client, agent)
    assert client.get(f"{PUBLIC_CHANGELIST}{unrelated.pk}/authorisation/").status_code == 404
    # A file moved under another request's name does not decrypt: it is bound to its own request.
    unrelated.authorisation = mine.authorisation.name
    unrelated.authorisation_type = "application/pdf"
    unrelated.save()
    assert client.get(f"{PUBLIC_CHANGELIST}{unrelated.pk}/authorisation/").status_code == 503


# Without an account.


def test_without_an_account_staff_verify_the_agent_before_saying_so_or_refuse(
    client, agent, verified_login, django_capture_on_commit_callbacks
):
    file_for(Client(), "nobody@example.net")
    file_for(Client(), "other@example.net")
    first, second = PublicRequest.objects.order_by("created_at")
    verified_login(client, agent)
    queue = plain(client.get(PUBLIC_CHANGELIST))
    assert "nobody@example.net (An authorised agent)" in queue

    def act(action, filing, **answers):
        with django_capture_on_commit_callbacks(execute=True):
            return plain(
                client.post(
                    PUBLIC_CHANGELIST,
                    {"action": action, "_selected_action": [str(filing.pk)], "index": "0", **answers},
                    follow=True,
                )
            )

    assert "Verify the authority of the agent or parent first" in act("answer_no_data", first)
    assert not mail.outbox[2:], "nothing told before the authority is verified"
    asked = act("verify_authority", first)
    assert "How you verified their authority" in asked and "Open the signed authorisation" in asked
    assert "This field is required." in act("verify_authority", first, apply="1", note="")
    unseen = act("verify_authority", first, apply="1", note="Looks fine.")
    assert "nobody@example.net" not in unseen.split(":")[0], "an address is not capitalised as a sentence"
    assert "ana@example.net: Open the signed authorisation first" in unseen, "verifying it unseen is no check"
    assert client.get(f"{PUBLIC_CHANGELIST}{first.pk}/authorisation/").status_code == 200
    assert "Verified 1 authority." in act("verify_authority", first, apply="1", note="Signed by the learner.")
    verified = first.events.get(action=PublicRequestEvent.Action.AUTHORITY_VERIFIED)
    assert (verified.actor, verified.note) == (agent, "Signed by the learner.")
    assert "Signed by the learner." in plain(client.get(f"{PUBLIC_CHANGELIST}{first.pk}/change/"))
    assert "Answered 1 request." in act("answer_no_data", first)
    reply = mail.outbox[-1]
    assert reply.to == ["ana@example.net"]
    assert "for the learner with the address nobody@example.net" in reply.body

    assert "Refused 1 request." in act("refuse", second)
    second.refresh_from_db()
    assert second.status == PublicRequest.Status.REFUSED
    refusal = mail.outbox[-1]
    assert refusal.subject == "Your request for someone else: we could not verify your authority"
    assert "account" not in refusal.body.replace("without acting on it", "")


def test_without_an_account_an_erasure_filed_by_an_agent_is_the_privacy_officers_alone(
    client, agent, officer, verified_login
):
    file_for(Client(), "nobody@example.net", request_type="erasure")
    filing = PublicRequest.objects.get()
    verified_login(client, agent)
    assert client.get(f"{PUBLIC_CHANGELIST}{filing.pk}/authorisation/").status_code == 200
    data = {"_selected_action": [str(filing.pk)], "index": "0"}
    for action, extra, refusal in (
        ("verify_authority", {"apply": "1", "note": "Signed."}, "verify the authority of who filed an erasure"),
        ("answer_no_data", {}, "answer an erasure"),
        ("refuse", {}, "answer an erasure"),
    ):
        page = plain(client.post(PUBLIC_CHANGELIST, {"action": action, **data, **extra}, follow=True))
        assert f"You are not allowed to {refusal} request; the privacy officer decides those" in page, action
    filing.refresh_from_db()
    assert (filing.status, filing.authority_verified_at) == (PublicRequest.Status.NO_ACCOUNT, None)
    assert len(mail.outbox) == 1, "only the code: no reply to the filer"
    agents.public_request_authority_verify(actor=officer, public_request=filing, note="Signed by the learner.")
    with pytest.raises(NotPermitted):
        public.public_request_answer_no_data(actor=agent, public_request=filing)
    public.public_request_answer_no_data(actor=officer, public_request=filing)


# A parent, the registry, retention, erasure.


def test_a_parent_files_for_a_child_and_staff_see_the_childs_age(client, learner, agent, verified_login):
    learner.profile.date_of_birth = datetime.date(timezone.now().year - 12, 1, 1)
    learner.profile.save()
    file_for(Client(), learner.email, filed_by="parent", name="Samira Al-Hassan")
    rights_request = RightsRequest.objects.get()
    assert rights_request.filed_by == "parent"
    notice = " ".join(to(learner.email)[0].body.split())
    assert "as a parent or guardian" in notice and "“Samira Al-Hassan”" in notice
    assert "If they are not your parent or guardian, or you do not want them to ask this for you" in notice
    assert "If you did not authorise this" not in notice, "a child authorises no parent"
    objection = plain(Client().get(OBJECTION_LINK.search(to(learner.email)[0].body)[1]))
    assert "as a parent or guardian" in objection and "“Samira Al-Hassan”" in objection
    assert (
        "If they are not your parent or guardian" in objection
        and "They may not ask this for me: cancel it" in objection
    )
    assert "If you did not authorise this" not in objection and "I did not authorise this" not in objection
    verified_login(client, agent)
    page = plain(client.get(f"{CHANGELIST}{rights_request.pk}/change/"))
    assert "A parent or guardian: Samira Al-Hassan" in page
    assert "Learner's age, from the account's date of birth: under the digital age of consent" in page
    form = plain(
        client.post(
            f"{CHANGELIST}{rights_request.pk}/change/",
            {FIELD: "verify_authority", "_selected_action": str(rights_request.pk)},
        )
    )
    assert "How you verified their authority" in form
    assert "7063" not in form, "no Californian citation for a parent's filing, whatever the learner's law"


def test_the_agent_is_told_the_right_by_its_neutral_name_and_the_learners_activity_names_who_filed(
    learner, django_capture_on_commit_callbacks
):
    file_for(Client(), learner.email)
    rights_request = RightsRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(OBJECTION_LINK.search(to(learner.email)[0].body)[1])
    (outcome,) = [m for m in to("ana@example.net") if "filed for someone else" in m.subject]
    body = " ".join(outcome.body.split())
    assert f"for the learner with the address {learner.email}, in a request of this kind: Access." in body
    assert "your data" not in body, "the agent did not ask for their own data"

    signed_in = Client()
    signed_in.force_login(learner)
    activity = plain(signed_in.get("/settings/security/activity/"))
    assert f"Request {rights_request.reference}: filed for you by an authorised agent." in activity
    assert "submitted by the portal" not in activity


def test_the_learners_report_and_copy_name_who_filed_but_hold_no_file(learner, django_capture_on_commit_callbacks):
    file_for(Client(), learner.email)
    stored = PublicRequest.objects.get().authorisation.name
    with access_report_file(learner) as output:
        report = output.read().decode()
    assert "Ana Ruiz" in report and "The name of the agent or parent who filed it for you" in report
    assert stored not in report and "%PDF" not in report
    with portable_export_file(learner) as output, zipfile.ZipFile(output) as archive:
        filings = archive.read("requests_without_sign_in.csv").decode()
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert "Ana Ruiz" in filings and "agent_name" in filings.splitlines()[0]
    assert "authorisation," not in filings.splitlines()[0] and stored.encode() not in everything


def test_the_authorisation_goes_30_days_after_its_request_closes_by_the_daily_command(
    learner, agent, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        file_for(Client(), learner.email)
        file_for(Client(), "nobody@example.net")
        agent_request_post(Client(), "ana@example.net", "never@example.net", authorisation_pdf())  # never confirmed
        services.request_reject(actor=agent, request=RightsRequest.objects.get(), reason="Not signed.")
    names = {f.learner_email: f.authorisation.name for f in PublicRequest.objects.all()}
    assert all(default_storage.exists(name) for name in names.values())

    def prune(days, minutes=0):
        output = io.StringIO()
        at = NOW + datetime.timedelta(days=days, minutes=minutes)
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            call_command("rights_requests_prune_public", stdout=output)
        return output.getvalue()

    assert "Deleted 1 request(s)" in prune(29)
    assert not PublicRequest.objects.filter(learner_email="never@example.net").exists()
    assert not default_storage.exists(names["never@example.net"]), "an unconfirmed one goes with its request"
    assert default_storage.exists(names[learner.email])

    assert "Deleted 1 signed authorisation(s)" in prune(30, minutes=1)
    filing = PublicRequest.objects.get(learner_email=learner.email)
    assert not filing.authorisation and filing.authorisation_deleted_at is not None
    assert not default_storage.exists(names[learner.email])
    assert default_storage.exists(names["nobody@example.net"]), "still open: kept"
    assert filing.agent_name == "Ana Ruiz", "the record that one was given stays"


def test_erasing_the_learner_erases_the_filing_and_its_file(learner, django_capture_on_commit_callbacks):
    file_for(Client(), learner.email)
    name = PublicRequest.objects.get().authorisation.name
    with django_capture_on_commit_callbacks(execute=True):
        receipt = erasure_execute(subject=learner)
    assert not PublicRequest.objects.exists()
    assert not default_storage.exists(name)
    assert receipt["scan"] == []


# In Spanish.


def test_the_form_the_agents_pages_and_the_learners_notice_speak_their_languages(learner):
    learner.profile.language = "es"
    learner.profile.save()
    agent = Client(headers={"accept-language": "es"})
    refused = plain(agent_request_post(agent, "ana@example.net", learner.email, None))
    assert "Sube la autorización firmada." in refused
    assert "Autorización firmada" in refused
    file_for(agent, learner.email)
    assert "Nunca te enviamos los datos del estudiante" in plain(agent.get("/privacy/request/done/"))
    notice = to(learner.email)[0]
    assert notice.subject.startswith("Alguien nos ha pedido algo sobre tus datos en tu nombre (DSR-")
    assert "como un agente autorizado" in notice.body and "«Ana Ruiz»" in notice.body
    link = OBJECTION_LINK.search(notice.body)[1]
    # The learner's language, not the browser's: she may open the link on any computer.
    assert "¿Autorizaste esta solicitud?" in plain(Client(headers={"accept-language": "en"}).get(link))
