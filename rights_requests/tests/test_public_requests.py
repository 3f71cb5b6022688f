"""Requests from people who cannot sign in (``/privacy/request/``), as they and an attacker meet them through HTTP."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from compliance.erasure import erasure_execute
from compliance.registry import Purpose, registry
from learnerportal.tests.factories import PASSWORD
from learnerportal.tests.support import (
    PUBLIC_DOWNLOAD_LINK,
    emailed_code,
    learner_in,
    public_code_post,
    public_code_renew,
    public_request_post,
)
from privacy.models import SensitiveInformationLimit
from privacy.selectors import may_process
from privacy.services import consent_record
from rights_requests import public, services
from rights_requests.exceptions import CodeSpent, NotPermitted
from rights_requests.models import PublicRequest, PublicRequestEvent, RequestEvent, RightsRequest, Status

pytestmark = pytest.mark.django_db

PUBLIC_CHANGELIST = "/admin/rights_requests/publicrequest/"
NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def file_and_verify(client, email, request_type="access", text=""):
    """File at ``/privacy/request/`` and type the emailed code; return the answer to the code."""
    assert public_request_post(client, email, request_type, text).status_code == 302
    return public_code_post(client, emailed_code(mail.outbox[-1]))


def visible_text(response):
    """Return the page's text without the CSRF token, which differs on every page."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_form_answers_the_same_and_sends_one_code_whether_or_not_an_account_has_the_address(learner):
    with_account, without_account = Client(), Client()
    first = public_request_post(with_account, learner.email)
    second = public_request_post(without_account, "nobody@example.net")

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == "/privacy/request/code/"
    assert visible_text(with_account.get("/privacy/request/code/")) == visible_text(
        without_account.get("/privacy/request/code/")
    )
    to_owner, to_stranger = mail.outbox
    assert (to_owner.to, to_stranger.to) == ([learner.email], ["nobody@example.net"])
    assert to_owner.subject == to_stranger.subject
    assert to_owner.body.replace(emailed_code(to_owner), "") == to_stranger.body.replace(emailed_code(to_stranger), "")
    assert not RightsRequest.objects.exists(), "nothing is filed before the code is typed"


def test_the_code_is_stored_only_as_a_keyed_hash(learner):
    public_request_post(Client(), learner.email)
    code = emailed_code(mail.outbox[-1])
    row = PublicRequest.objects.get()
    assert code not in row.code_digest and len(row.code_digest) == 64
    assert row.code_expires_at is not None


def test_a_code_works_for_ten_minutes(learner):
    client = Client()
    with time_machine.travel(NOW, tick=False):
        public_request_post(client, learner.email)
    code = emailed_code(mail.outbox[-1])

    with time_machine.travel(NOW + datetime.timedelta(minutes=10), tick=False):
        late = public_code_post(client, code)
    assert late.status_code == 400
    assert "This code no longer works. Ask for a new code." in late.content.decode()

    with time_machine.travel(NOW + datetime.timedelta(minutes=11), tick=False):
        assert public_code_renew(client).status_code == 302
        fresh = emailed_code(mail.outbox[-1])
    with time_machine.travel(NOW + datetime.timedelta(minutes=20, seconds=59), tick=False):
        assert public_code_post(client, fresh)["Location"] == "/privacy/request/done/"


def test_three_wrong_codes_need_a_new_code(learner):
    client = Client()
    public_request_post(client, learner.email)
    code = emailed_code(mail.outbox[-1])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    assert "You can try 2 more times." in public_code_post(client, wrong).content.decode()
    assert "You can try 1 more time." in public_code_post(client, wrong).content.decode()
    assert "it was the last try. Ask for a new code." in public_code_post(client, wrong).content.decode()
    assert "This code no longer works." in public_code_post(client, code).content.decode(), "right, but too late"
    assert not RightsRequest.objects.exists()

    public_code_renew(client)
    assert public_code_post(client, code).status_code == 400, "the old code stopped working"
    assert public_code_post(client, emailed_code(mail.outbox[-1])).status_code == 302


def test_a_code_is_used_once(learner):
    client = Client()
    file_and_verify(client, learner.email)
    public_request = PublicRequest.objects.get()
    assert public_request.code_digest == ""
    with pytest.raises(CodeSpent):
        public.public_request_verify(public_request=public_request, code=emailed_code(mail.outbox[0]))
    assert client.post("/privacy/request/code/", {"code": emailed_code(mail.outbox[0])})["Location"] == (
        "/privacy/request/done/"
    ), "the page moves on; nothing is filed twice"
    assert RightsRequest.objects.count() == 1


def test_a_code_works_only_for_its_own_request(learner, amara):
    mine, theirs = Client(), Client()
    public_request_post(mine, "someone@example.net")
    public_request_post(theirs, learner.email)
    assert public_code_post(mine, emailed_code(mail.outbox[1])).status_code == 400
    assert not RightsRequest.objects.exists()


def test_codes_are_limited_per_address(settings):
    settings.RIGHTS_REQUESTS_PUBLIC_CODES_PER_ADDRESS = 2
    for _ in range(2):
        assert public_request_post(Client(), "flooded@example.net").status_code == 302
    refused = public_request_post(Client(), "FLOODED@example.net")
    assert refused.status_code == 429
    assert "We have sent as many codes as we can for now." in refused.content.decode()
    assert len(mail.outbox) == 2
    assert public_request_post(Client(), "other@example.net").status_code == 302, "another address is not limited"


def test_codes_are_limited_per_network_across_addresses(settings):
    settings.RIGHTS_REQUESTS_PUBLIC_CODES_PER_NETWORK = 2
    for n in range(2):
        assert public_request_post(Client(), f"p{n}@example.net", REMOTE_ADDR="2001:db8:1:2::7").status_code == 302
    # Another address of the same /64 is the same network.
    assert public_request_post(Client(), "p3@example.net", REMOTE_ADDR="2001:db8:1:2::8").status_code == 429
    assert public_request_post(Client(), "p3@example.net", REMOTE_ADDR="203.0.113.9").status_code == 302
    assert len(mail.outbox) == 3


def test_asking_for_a_new_code_counts_towards_the_limit(settings, learner):
    settings.RIGHTS_REQUESTS_PUBLIC_CODES_PER_ADDRESS = 2
    client = Client()
    public_request_post(client, learner.email)
    assert public_code_renew(client).status_code == 302
    assert public_code_renew(client).status_code == 429
    assert len(mail.outbox) == 2


def test_a_verified_request_is_filed_for_the_account_with_that_address_and_its_owner_is_told(learner):
    client = Client()
    answer = file_and_verify(client, learner.email.upper(), "rectification", "My name is spelt Nour.")
    assert answer["Location"] == "/privacy/request/done/"
    done = client.get("/privacy/request/done/").content.decode()
    assert "Thank you: your address is confirmed" in done

    rights_request = RightsRequest.objects.get()
    assert rights_request.subject == learner
    assert rights_request.status == Status.AWAITING_APPROVAL, "staff review what was filed without signing in"
    assert rights_request.details["note"] == "My name is spelt Nour."
    assert list(rights_request.events.values_list("action", flat=True)) == ["submitted", "verified"]
    public_request = PublicRequest.objects.get()
    assert (public_request.status, public_request.subject, public_request.rights_request) == (
        PublicRequest.Status.FILED,
        learner,
        rights_request,
    )
    _code_email, acknowledgement = mail.outbox
    assert acknowledgement.to == [learner.email]
    assert acknowledgement.subject == f"We received your request {rights_request.reference}"
    assert "This request was filed without signing in" in acknowledgement.body


def test_without_an_account_the_request_waits_for_staff_and_the_page_reads_the_same(learner):
    owner, stranger = Client(), Client()
    file_and_verify(owner, learner.email)
    file_and_verify(stranger, "nobody@example.net")
    assert visible_text(owner.get("/privacy/request/done/")) == visible_text(stranger.get("/privacy/request/done/"))

    waiting = PublicRequest.objects.get(email="nobody@example.net")
    assert waiting.status == PublicRequest.Status.NO_ACCOUNT
    assert waiting.rights_request is None
    assert RightsRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("request_type", "answer_by"),
    [
        ("access", "24 April 2026"),  # the CCPA's 45 days, the longest; the GDPR's month ends on 10 April
        ("opt_out_of_sale", "10 April 2026"),  # a month under the GDPR; 15 business days under the CCPA
    ],
)
def test_the_done_page_promises_the_longest_time_any_law_gives_whoever_has_the_address(
    learner, request_type, answer_by
):
    """noor lives in the UK (one month): the page must not say so, or it would tell that she has an account."""
    owner, stranger = Client(), Client()
    with time_machine.travel(NOW, tick=False):
        file_and_verify(owner, learner.email, request_type)
        file_and_verify(stranger, "nobody@example.net", request_type)
        done = owner.get("/privacy/request/done/")
        assert visible_text(done) == visible_text(stranger.get("/privacy/request/done/"))

    words = " ".join(re.sub(r"<[^>]+>", " ", done.content.decode()).split())
    assert f"by {answer_by} at the latest: the longest time any of the laws we apply gives us." in words
    assert "within one month" not in words


def test_a_right_the_accounts_law_does_not_name_is_filed_for_staff_and_the_page_reads_the_same(learner):
    """noor lives in the UK, whose law has no "confirmation" (LGPD Art. 18, I): staff decide; nobody learns of her."""
    owner, stranger = Client(), Client()
    assert file_and_verify(owner, learner.email, "confirmation")["Location"] == "/privacy/request/done/"
    file_and_verify(stranger, "nobody@example.net", "confirmation")

    assert visible_text(owner.get("/privacy/request/done/")) == visible_text(stranger.get("/privacy/request/done/"))
    rights_request = RightsRequest.objects.get()
    assert (rights_request.subject, rights_request.type, rights_request.regime) == (learner, "confirmation", "uk_gdpr")
    assert rights_request.status == Status.AWAITING_APPROVAL


@pytest.mark.parametrize(
    ("request_type", "in_force"),
    [
        ("opt_out_of_sale", lambda user: not may_process(user, Purpose.PARTNER_SHARING)),
        ("limit_sensitive_use", lambda user: SensitiveInformationLimit.objects.filter(user=user).exists()),
    ],
)
def test_an_opt_out_filed_without_signing_in_is_honoured_once_the_code_is_typed(learner, request_type, in_force):
    """CCPA: an opt-out needs no proof of identity (11 CCR §7026(d)); only the code ties it to the account."""
    learner_in("US", "CA", user=learner)
    consent_record(actor=learner, user=learner, purpose=Purpose.PARTNER_SHARING, granted=True, source="settings")
    owner, stranger = Client(), Client()

    assert file_and_verify(owner, learner.email, request_type)["Location"] == "/privacy/request/done/"
    file_and_verify(stranger, "nobody@example.net", request_type)

    assert visible_text(owner.get("/privacy/request/done/")) == visible_text(stranger.get("/privacy/request/done/"))
    rights_request = RightsRequest.objects.get()
    assert rights_request.status == Status.COMPLETED, "carried out at once, not left for staff"
    assert list(rights_request.events.values_list("action", "actor")) == [
        ("submitted", None),
        ("verified", None),
        ("approved", None),
        ("processing", None),
        ("completed", None),
    ]
    assert in_force(learner)
    told = [message for message in mail.outbox if message.to == [learner.email]]
    assert len(told) == 2, "the code, then one email with the outcome"
    outcome = " ".join(told[-1].body.split())
    assert f"Your request {rights_request.reference} is" in told[-1].subject
    assert "We received your request and " in outcome
    assert "This request was filed without signing in" in outcome
    assert "This request was filed without signing in" in told[-1].alternatives[0].content


def test_an_opt_out_filed_without_signing_in_for_an_account_under_another_law_is_honoured_too(learner):
    """noor lives in the UK: stopping partner sharing is a withdrawal of consent there, which needs no review either."""
    consent_record(actor=learner, user=learner, purpose=Purpose.PARTNER_SHARING, granted=True, source="settings")

    file_and_verify(Client(), learner.email, "opt_out_of_sale")

    rights_request = RightsRequest.objects.get()
    assert (rights_request.regime, rights_request.status) == ("uk_gdpr", Status.COMPLETED)
    assert not may_process(learner, Purpose.PARTNER_SHARING)


def test_an_unverified_request_is_not_in_the_staff_queue(client, agent, verified_login):
    public_request_post(Client(), "nobody@example.net")
    verified_login(client, agent)
    assert "nobody@example.net" not in client.get(PUBLIC_CHANGELIST).content.decode()


def test_staff_answer_that_we_hold_no_data_which_closes_the_request(
    client, agent, verified_login, django_capture_on_commit_callbacks
):
    file_and_verify(Client(), "nobody@example.net", "erasure")
    waiting = PublicRequest.objects.get()
    verified_login(client, agent)
    queue = client.get(PUBLIC_CHANGELIST)
    assert "nobody@example.net" in queue.content.decode()
    assert "Verified: no account found" in queue.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            PUBLIC_CHANGELIST,
            {"action": "answer_no_data", "_selected_action": [str(waiting.pk)], "index": "0"},
            follow=True,
        )
    assert "Answered 1 request." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == PublicRequest.Status.ANSWERED and waiting.closed_at is not None
    assert list(waiting.events.values_list("action", "actor")) == [
        (PublicRequestEvent.Action.VERIFIED, None),
        (PublicRequestEvent.Action.NO_DATA_REPLY, agent.pk),
    ]
    reply = mail.outbox[-1]
    assert reply.to == ["nobody@example.net"]
    assert reply.subject == "Your data-rights request: we hold no data about this address"
    assert "no Learner Portal account has this address, and we hold no personal data about it" in reply.body


def test_only_staff_who_work_requests_may_answer_and_only_the_officer_erases(support_clerk, agent, officer):
    file_and_verify(Client(), "nobody@example.net")
    waiting = PublicRequest.objects.get()
    with pytest.raises(NotPermitted):
        public.public_request_answer_no_data(actor=support_clerk, public_request=waiting)
    with pytest.raises(NotPermitted):
        public.public_request_erase(actor=agent, public_request=waiting)
    public.public_request_answer_no_data(actor=agent, public_request=waiting)
    with pytest.raises(NotPermitted):
        public.public_request_answer_no_data(actor=agent, public_request=waiting)  # answered once
    public.public_request_erase(actor=officer, public_request=waiting)
    assert not PublicRequest.objects.exists()


def test_a_clerk_without_the_view_permission_cannot_open_the_queue(client, support_clerk, verified_login):
    verified_login(client, support_clerk)
    assert client.get(PUBLIC_CHANGELIST).status_code == 403


def test_a_copy_of_the_data_goes_only_to_the_verified_address_as_a_link(
    learner, agent, django_capture_on_commit_callbacks
):
    file_and_verify(Client(), learner.email, "access")
    rights_request = RightsRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=agent, request=rights_request)
    rights_request.refresh_from_db()
    assert rights_request.status == Status.COMPLETED
    completion = mail.outbox[-1]
    assert completion.to == [learner.email]
    link = PUBLIC_DOWNLOAD_LINK.search(completion.body)[1]

    stranger = Client()  # no session: the link is the key, bound to the address
    page = stranger.get(link)
    assert page.status_code == 200 and "Download" in page.content.decode()
    download = stranger.post(link)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="learner-portal-data-DSR-')
    assert b"Noor Al-Hassan" in b"".join(download.streaming_content)

    assert stranger.post(link[:-3] + "xx/").status_code == 404, "a changed token is refused"
    learner.email = "noor.new@example.org"
    learner.save(update_fields=["email"])
    assert stranger.post(link).status_code == 404, "the account's address changed: the old one gets nothing"


def test_the_link_expires_with_the_download_period(learner, agent, django_capture_on_commit_callbacks):
    file_and_verify(Client(), learner.email, "access")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=agent, request=RightsRequest.objects.get())
    link = PUBLIC_DOWNLOAD_LINK.search(mail.outbox[-1].body)[1]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        assert Client().get(link).status_code == 404


def test_an_erasure_needs_the_accounts_password_too(learner, agent):
    client = Client()
    assert file_and_verify(client, learner.email, "erasure")["Location"] == "/privacy/request/done/"
    assert client.get("/privacy/request/done/")["Location"] == "/privacy/request/password/"
    rights_request = RightsRequest.objects.get()
    assert rights_request.status == Status.AWAITING_VERIFICATION, "the code alone does not verify an erasure"

    wrong = client.post("/privacy/request/password/", {"password": "not-it"})
    assert wrong.status_code == 400 and "That password is wrong." in wrong.content.decode()
    assert client.post("/privacy/request/password/", {"password": PASSWORD})["Location"] == "/privacy/request/done/"
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL
    verified = rights_request.events.get(action=RequestEvent.Action.VERIFIED)
    assert verified.actor is None and "password" in verified.note


def test_wrong_passwords_at_the_erasure_step_are_failed_sign_ins_the_lockout_counts(learner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.10")
    file_and_verify(client, learner.email, "erasure")

    for _ in range(2):
        assert client.post("/privacy/request/password/", {"password": "guess"}).status_code == 400

    # One more wrong sign-in, from another network, and signing in to the account pauses.
    Client(REMOTE_ADDR="198.51.100.7").post("/accounts/login/", {"username": learner.username, "password": "x"})
    paused = Client(REMOTE_ADDR="192.0.2.1").post(
        "/accounts/login/", {"username": learner.username, "password": PASSWORD}
    )
    assert paused.status_code == 429 and "Signing in is paused" in paused.content.decode()
    # The account's owner reads both in their account activity.
    owner = Client()
    owner.force_login(learner)
    activity = owner.get("/settings/security/activity/?kind=sign-ins").content.decode()
    sentence = "Someone typed a wrong password for your account to confirm an erasure asked for without signing in."
    assert activity.count(sentence) == 2


def test_a_new_request_brings_no_new_password_guesses(learner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.10")
    file_and_verify(client, learner.email, "erasure")
    for _ in range(3):
        client.post("/privacy/request/password/", {"password": "guess"})

    # A fresh request, from another network, with a newly emailed code: the account is paused all the same.
    again = Client(REMOTE_ADDR="198.51.100.7")
    file_and_verify(again, learner.email, "erasure")
    right = again.post("/privacy/request/password/", {"password": PASSWORD})

    assert right.status_code == 429 and "Signing in is paused" in right.content.decode()
    rights_request = RightsRequest.objects.get()
    assert rights_request.status == Status.AWAITING_VERIFICATION, "even the right password verifies nothing now"
    assert PublicRequest.objects.get(pk=again.session["rights_requests.public_request"]).password_attempts == 0


def test_an_erasure_whose_password_is_not_known_is_verified_by_the_officer_only(learner, agent, officer, settings):
    settings.RIGHTS_REQUESTS_PUBLIC_PASSWORD_TRIES = 1
    client = Client()
    file_and_verify(client, learner.email, "erasure")
    assert "last try" in client.post("/privacy/request/password/", {"password": "nope"}).content.decode()
    assert client.get("/privacy/request/password/")["Location"] == "/privacy/request/done/"
    rights_request = RightsRequest.objects.get()
    with pytest.raises(NotPermitted):
        services.request_verify(actor=agent, request=rights_request, note="Called her.")
    services.request_verify(actor=officer, request=rights_request, note="Checked her passport on a video call.")
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL
    assert rights_request.events.get(action=RequestEvent.Action.VERIFIED).actor == officer


def test_a_second_request_of_an_open_type_joins_the_open_one(learner):
    services.request_submit(actor=learner, subject=learner, request_type="rectification", details={"note": "x"})
    file_and_verify(Client(), learner.email, "rectification", "My name is spelt Nour.")
    public_request = PublicRequest.objects.get()
    assert public_request.rights_request == RightsRequest.objects.get()


def test_bad_input_is_shown_beside_the_field():
    response = Client().post("/privacy/request/", {"email": "not an address", "type": "restriction", "text": ""})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    response = Client().post("/privacy/request/", {"email": "a@example.net", "type": "restriction", "text": ""})
    assert "Please fill this in." in response.content.decode()
    response = Client().post("/privacy/request/", {"email": "a@example.net", "type": "objection"})
    assert "Choose at least one use of your data to object to." in response.content.decode()
    response = Client().post("/privacy/request/", {"email": "a@exa\u202emple.net", "type": "access", "text": ""})
    assert "Remove the invisible characters that change the direction of text." in response.content.decode()
    assert not mail.outbox and not PublicRequest.objects.exists()


def test_the_sign_in_page_and_the_notice_link_to_the_form():
    client = Client()
    assert 'href="/privacy/request/"' in client.get("/accounts/login/").content.decode()
    assert 'href="/privacy/request/"' in client.get("/privacy/notice/").content.decode()


def test_the_code_email_and_the_pages_speak_the_visitors_language(learner):
    client = Client(headers={"accept-language": "es"})
    public_request_post(client, "nadie@example.net")
    assert "Tu código" in mail.outbox[-1].body
    assert PublicRequest.objects.get().language == "es"


def test_the_accounts_owner_reads_how_it_was_verified_in_their_own_language_not_the_visitors(learner):
    """Filed from a Spanish browser for an account whose owner reads English: the history's note is English."""
    file_and_verify(Client(headers={"accept-language": "es"}), learner.email, "rectification", "Me llamo Nour.")
    rights_request = RightsRequest.objects.get()
    owner = Client()
    owner.force_login(learner)

    english = owner.get(f"/settings/data/{rights_request.pk}/").content.decode()
    spanish = owner.get(f"/settings/data/{rights_request.pk}/", headers={"accept-language": "es"}).content.decode()

    assert "You confirmed your email address with a code we sent to it." in english
    assert "Confirmaste tu dirección de correo con un código que te enviamos." in spanish


def test_the_registry_declares_it_and_erasing_the_account_erases_it(learner):
    assert registry.get(PublicRequest) is not None and registry.get(PublicRequestEvent) is not None
    file_and_verify(Client(), learner.email, "access")
    assert PublicRequest.objects.filter(subject=learner).exists()
    erasure_execute(subject=learner)
    assert not PublicRequest.objects.exists()
    assert not PublicRequestEvent.objects.exists()


def test_unconfirmed_requests_go_after_a_day_and_answered_ones_after_a_year(agent):
    with time_machine.travel(NOW, tick=False):
        public_request_post(Client(), "never@example.net")
        file_and_verify(Client(), "answered@example.net")
        public.public_request_answer_no_data(actor=agent, public_request=PublicRequest.objects.get(status="no_account"))
    assert public.public_requests_prune(now=NOW + datetime.timedelta(hours=23)) == 0
    assert public.public_requests_prune(now=NOW + datetime.timedelta(days=1)) == 1
    assert list(PublicRequest.objects.values_list("email", flat=True)) == ["answered@example.net"]
    assert public.public_requests_prune(now=NOW + datetime.timedelta(days=364)) == 0
    assert public.public_requests_prune(now=NOW + datetime.timedelta(days=365)) == 1
    assert not PublicRequest.objects.exists()


def test_the_no_account_queue_names_each_type_without_a_law_as_the_statistics_do(client, agent, verified_login):
    """No account means no regime: the queue cannot know whose "Art. 15" it would be, so it cites none."""
    file_and_verify(Client(), "nobody@example.net", "access")
    file_and_verify(Client(), "someone@example.net", "erasure")
    verified_login(client, agent)

    queue = client.get(PUBLIC_CHANGELIST).content.decode()
    filtered = client.get(PUBLIC_CHANGELIST, {"type": "erasure"}).content.decode()
    row = client.get(f"{PUBLIC_CHANGELIST}{PublicRequest.objects.get(type='erasure').pk}/change/").content.decode()

    assert 'href="?type=access">Access</a>' in queue and 'href="?type=erasure">Erasure</a>' in queue
    assert "Art. 15" not in queue and "Art. 17" not in queue
    assert "someone@example.net" in filtered and "nobody@example.net" not in filtered
    assert "Erasure" in row and "Art. 17" not in row
