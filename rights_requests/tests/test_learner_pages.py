"""Settings → Your data: a learner files, follows and withdraws data-rights requests."""

import datetime
import re
import uuid

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from compliance.models import StaffGroup
from learnerportal.tests.factories import UserFactory, staff_member
from learnerportal.tests.support import sign_in
from privacy.services import restriction_start
from rights_requests import conf, services, tasks
from rights_requests.models import RightsRequest, Status
from rights_requests.tests.test_query_budgets import requests_for

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
DAY = datetime.timedelta(days=1)


@pytest.fixture
def amara(amara, client):
    """Amara with a full name and a country, signed in on ``client``."""
    amara.profile.full_name = "Amara Okafor-Mensah"
    amara.profile.country = "GH"
    amara.profile.save()
    client.force_login(amara)
    return amara


@pytest.fixture
def privacy_officer():
    return staff_member(
        "priya.dpo", StaffGroup.PRIVACY_OFFICER, email="priya@example.org", profile__full_name="Priya Raman"
    )


def file_request(subject, request_type, **details):
    """File a request as the learner would, through the service."""
    return services.request_submit(actor=subject, subject=subject, request_type=request_type, details=details)


def detail_url(rights_request):
    return f"/settings/data/{rights_request.pk}/"


def page_of(response):
    assert response.status_code == 200
    return response.content.decode()


# Signing in and finding the tab


@pytest.mark.parametrize(
    "path", ["/settings/data/", "/settings/data/new/access/", "/settings/data/00000000-0000-4000-8000-000000000000/"]
)
def test_signed_out_visitor_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={path}")


def test_signed_out_visitor_cannot_withdraw(client):
    path = f"/settings/data/{uuid.uuid4()}/withdraw/"
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_your_data_tab_explains_each_right_and_how_to_use_it(client, amara):
    page = page_of(client.get("/settings/data/"))

    assert 'aria-current="page">Your data</a>' in page
    for title, request_type in [
        ("Get a copy of your data", "access"),
        ("Correct your data", "rectification"),
        ("Delete your account and data", "erasure"),
        ("Pause the use of your data", "restriction"),
        ("Take your data elsewhere", "portability"),
        ("Object to how we use your data", "objection"),
    ]:
        assert title in page
        assert f'href="/settings/data/new/{request_type}/"' in page
    assert "You have not made any requests yet. To make one, choose a right above." in page


def test_settings_tabs_and_home_page_lead_to_your_data(client, amara):
    assert 'href="/settings/data/"' in page_of(client.get("/settings/privacy/"))
    assert 'href="/settings/data/"' in page_of(client.get("/"))


def test_an_unknown_kind_of_request_is_not_found(client, amara):
    assert client.get("/settings/data/new/everything/").status_code == 404


# Filing each type of request


@pytest.mark.parametrize(
    ("request_type", "asks", "does_not_ask"),
    [
        ("access", ['name="note"'], ['name="reason"', 'name="purposes"', 'name="full_name"']),
        ("portability", ['name="note"'], ['name="reason"', 'name="purposes"']),
        ("erasure", ['name="note"', "Erasure cannot be undone."], ['name="reason"', 'name="purposes"']),
        ("restriction", ['name="reason"', "required"], ['name="note"', 'name="purposes"']),
        (
            "objection",
            [
                "<legend>Which uses of your data do you object to?</legend>",
                'type="checkbox" name="purposes" value="marketing_email"',
                "Send you news about courses by email",
                "Share your progress with the partner running your course",
                "is for good: you cannot turn it on again later (GDPR Art. 21(3))",
            ],
            ['name="reason"', 'value="account"', 'value="billing"'],
        ),
        (
            "rectification",
            ["<legend>What should we correct?</legend>", "Now: Amara Okafor-Mensah", "Now: Ghana", "Now: Not set"],
            ['name="reason"', 'name="purposes"', 'name="photo"'],
        ),
    ],
)
def test_each_form_asks_only_what_its_type_needs(client, amara, request_type, asks, does_not_ask):
    page = page_of(client.get(f"/settings/data/new/{request_type}/"))
    form = page.split('<form method="post"')[1].split("</form>")[0]
    for text in asks:
        assert text in page
    for text in does_not_ask:
        assert text not in form


@pytest.mark.parametrize(
    ("request_type", "data", "stored", "shown"),
    [
        ("access", {"note": "Including my quiz answers"}, {"note": "Including my quiz answers"}, "Your note"),
        ("portability", {}, {"note": ""}, "Take your data elsewhere"),
        ("erasure", {"note": ""}, {"note": ""}, "Delete your account and data"),
        (
            "restriction",
            {"reason": "My date of birth is wrong; please stop using it until it is fixed."},
            {"reason": "My date of birth is wrong; please stop using it until it is fixed.", "note": ""},
            "My date of birth is wrong",
        ),
        (
            "objection",
            {"purposes": ["research", "marketing_email"], "note": ""},
            {"purposes": ["marketing_email", "research"], "note": ""},
            "Send you news about courses by email; Research on learning",
        ),
        (
            "rectification",
            {"full_name": "Amara Okafor", "country": "NG", "date_of_birth": "1990-05-17", "note": "Typo"},
            {"changes": {"full_name": "Amara Okafor", "date_of_birth": "1990-05-17", "country": "NG"}, "note": "Typo"},
            "17 May 1990",
        ),
    ],
)
def test_filing_a_request_confirms_it_and_shows_what_was_asked(client, amara, request_type, data, stored, shown):
    with time_machine.travel(datetime.datetime(2026, 1, 31, 10, 0, tzinfo=UTC), tick=False):
        response = client.post(f"/settings/data/new/{request_type}/", data, follow=True)

    rights_request = RightsRequest.objects.get(subject=amara)
    assert response.redirect_chain == [(detail_url(rights_request), 302)]
    page = page_of(response)
    assert (
        f'We received your request <span class="reference">{rights_request.reference}</span>. '
        "We will answer by 28 February 2026"
    ) in page, "the reference is kept on one line"
    assert rights_request.type == request_type
    assert rights_request.details == stored
    assert shown in page
    assert "Request received" in page


def test_asking_for_a_value_to_be_removed_says_so_not_should_be_not_set(client, amara):
    """Through the API a correction may ask for a value to be emptied."""
    changes = {"full_name": "", "country": "NG"}
    rights_request = services.request_submit(
        actor=amara, subject=amara, request_type="rectification", details={"changes": changes}
    )
    assert rights_request.details["changes"]["full_name"] == ""
    asked = page_of(client.get(detail_url(rights_request))).split('id="asked-heading"')[1]
    assert "Remove it: leave it empty" in asked and "should be Not set" not in asked
    assert "Country should be" in asked


def test_a_proposed_correction_is_shown_in_words_in_profile_order(client, amara):
    client.post(
        "/settings/data/new/rectification/",
        {"full_name": "Amara Okafor", "country": "NG", "education_level": "master"},
    )

    page = page_of(client.get(detail_url(RightsRequest.objects.get(subject=amara))))
    asked = page.split('id="asked-heading"')[1]
    assert asked.index("Full name should be") < asked.index("Country should be") < asked.index("Education level")
    assert "Nigeria" in asked
    assert "Master&#x27;s degree" in asked


@pytest.mark.parametrize(
    ("request_type", "data", "after", "message", "kept"),
    [
        ("restriction", {"reason": "   "}, 'id="id_reason"', "Please fill this in.", None),
        (
            "objection",
            {"note": "Stop the emails, please"},
            'id="id_purposes_0"',
            "Choose at least one use of your data to object to.",
            "Stop the emails, please",
        ),
        (
            "objection",
            {"purposes": ["account"], "note": "And the app"},
            'id="id_purposes_0"',
            "Select a valid choice. account is not one of the available choices.",
            "And the app",
        ),
        (
            "rectification",
            {"note": ""},
            'id="changes_helptext"',
            "Give the corrected value of at least one field, or describe the correction in the note.",
            "What should we correct?",
        ),
        (
            "rectification",
            {"full_name": "Amara O. Mensah", "phone": "call me maybe"},
            'id="id_phone"',
            "Enter a phone number of digits",
            'value="Amara O. Mensah"',
        ),
        (
            "rectification",
            {"date_of_birth": "1990-02-30", "occupation": "Nurse"},
            'id="id_date_of_birth"',
            "Enter a valid date.",
            'value="Nurse"',
        ),
        ("access", {"note": "é" * 2001}, 'id="id_note"', "Keep it to 2000 characters or fewer.", "é" * 2001),
        (
            "restriction",
            {"reason": "My grade \u202eevol si\u2066 wrong"},
            'id="id_reason"',
            "Remove the invisible characters that change the direction of text.",
            "My grade",
        ),
    ],
)
def test_invalid_details_are_shown_beside_their_field_and_nothing_is_lost(
    client, amara, request_type, data, after, message, kept
):
    response = client.post(f"/settings/data/new/{request_type}/", data)

    page = page_of(response)
    assert "Your request was not sent" in page
    assert message in page.split(after)[1], "the error must follow its own field"
    if kept:
        assert kept in page, "what the learner typed is still in the form"
    assert not RightsRequest.objects.filter(subject=amara).exists()


# One open request per type


def test_asking_again_while_a_request_is_open_leads_to_the_open_one(client, amara):
    first = file_request(amara, "access")

    response = client.post("/settings/data/new/access/", {"note": "Again"}, follow=True)

    assert response.redirect_chain == [(detail_url(first), 302)]
    assert f"You already have an open request of this kind ({first.reference})" in page_of(response)
    assert RightsRequest.objects.filter(subject=amara).count() == 1


def test_the_form_of_a_type_already_asked_for_leads_to_the_open_request(client, amara):
    first = file_request(amara, "restriction", reason="Wrong date of birth")

    response = client.get("/settings/data/new/restriction/", follow=True)
    assert response.redirect_chain == [(detail_url(first), 302)]
    tab = page_of(client.get("/settings/data/"))
    assert "You already asked:" in tab
    assert 'href="/settings/data/new/restriction/"' not in tab


# Following requests


def test_list_shows_requests_newest_first_with_reference_status_and_due_date(client, amara):
    with time_machine.travel(datetime.datetime(2026, 1, 31, 12, 0, tzinfo=UTC), tick=False):
        older = file_request(amara, "access")
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=UTC), tick=False):
        newer = file_request(amara, "restriction", reason="Wrong date of birth")

    page = page_of(client.get("/settings/data/"))
    table = page.split('id="requests-heading"')[1]
    assert table.index(newer.reference) < table.index(older.reference), "newest first"
    newer_row = table.split(newer.reference)[1].split("</tr>")[0]
    assert "Pause the use of your data" in newer_row
    assert "Awaiting review" in newer_row
    assert "10 Mar 2026" in newer_row
    assert "10 Apr 2026" in newer_row
    older_row = table.split(older.reference)[1].split("</tr>")[0]
    assert "Approved" in older_row
    assert "28 Feb 2026" in older_row
    assert "You have not made any requests yet" not in page


def test_request_page_shows_the_history_without_naming_staff(client, amara, privacy_officer):
    rights_request = file_request(amara, "restriction", reason="Wrong date of birth")
    services.request_assign(actor=privacy_officer, request=rights_request, assignee=privacy_officer)
    services.request_reject(
        actor=privacy_officer, request=rights_request, reason="Your date of birth matches your documents."
    )

    page = page_of(client.get(detail_url(rights_request)))

    history = page.split('id="history-heading"')[1]
    assert "Request received" in history
    assert "· You" in history
    assert "Identity confirmed" in history
    assert "· Automatically" in history
    assert "Passed to a member of our privacy team" in history
    assert "· Our privacy team" in history
    assert "priya" not in page.lower(), "staff are never named to the learner"
    assert "Raman" not in page
    assert "Why we declined your request" in page
    assert "Your date of birth matches your documents." in page
    assert "lodge a complaint with " in page
    assert str(conf.SUPERVISORY_AUTHORITY) in page
    assert "Withdraw this request" not in page


def test_an_extended_deadline_is_explained(client, amara, privacy_officer):
    with time_machine.travel(datetime.datetime(2026, 1, 31, 12, 0, tzinfo=UTC), tick=False):
        rights_request = file_request(amara, "erasure")
    with time_machine.travel(datetime.datetime(2026, 2, 10, 12, 0, tzinfo=UTC), tick=False):
        services.request_extend(
            actor=privacy_officer, request=rights_request, months=2, reason="Your account has eight years of records."
        )
        page = page_of(client.get(detail_url(rights_request)))

    assert "We extended the deadline" in page
    assert "from 28 February 2026 to <strong>30 April 2026</strong>" in page
    assert "Your account has eight years of records." in page
    assert "(extended)" in page_of(client.get("/settings/data/"))


def test_a_completed_request_says_what_was_done(client, amara, privacy_officer, django_capture_on_commit_callbacks):
    rights_request = file_request(amara, "rectification", note="Please remove my phone number.")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=privacy_officer, request=rights_request)  # in words: staff carry it out
    tasks.request_complete(
        actor=privacy_officer, request=rights_request, note="We emailed you a report of all your data."
    )

    page = page_of(client.get(detail_url(rights_request)))
    assert "Completed" in page
    assert "What we did" in page
    assert "We emailed you a report of all your data." in page
    assert "Withdraw this request" not in page


def test_a_late_answer_is_admitted_with_the_right_to_complain(client, amara):
    with time_machine.travel(datetime.datetime(2026, 1, 31, 12, 0, tzinfo=UTC), tick=False):
        rights_request = file_request(amara, "restriction", reason="Wrong date of birth")
    with time_machine.travel(datetime.datetime(2026, 2, 28, 23, 0, tzinfo=UTC), tick=False):
        assert "We are late answering" not in page_of(client.get(detail_url(rights_request)))
    with time_machine.travel(datetime.datetime(2026, 3, 1, 0, 30, tzinfo=UTC), tick=False):
        page = page_of(client.get(detail_url(rights_request)))
    assert "We are late answering this request." in page
    assert str(conf.SUPERVISORY_AUTHORITY) in page


# Withdrawing


def test_learner_withdraws_a_request_until_work_starts(client, amara):
    rights_request = file_request(amara, "restriction", reason="Wrong date of birth")
    page = page_of(client.get(detail_url(rights_request)))
    assert f'action="/settings/data/{rights_request.pk}/withdraw/"' in page
    assert 'name="csrfmiddlewaretoken"' in page.split("withdraw/")[1]

    response = client.post(f"/settings/data/{rights_request.pk}/withdraw/", follow=True)

    page = page_of(response)
    assert f"Your request {rights_request.reference} is withdrawn." in page
    rights_request.refresh_from_db()
    assert rights_request.status == Status.WITHDRAWN
    history = page.split('id="history-heading"')[1]
    assert "Withdrawn" in history.split("· You")[-2], "the last step is the learner's withdrawal"
    assert "Withdraw this request" not in page
    assert client.get("/settings/data/new/restriction/").status_code == 200, "a new request may be made"


def test_withdrawing_is_refused_once_work_has_started(
    client, amara, privacy_officer, django_capture_on_commit_callbacks
):
    rights_request = file_request(amara, "rectification", note="Please remove my phone number.")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=privacy_officer, request=rights_request)  # in words: waits for staff
    rights_request.refresh_from_db()
    assert rights_request.status == Status.PROCESSING
    assert "Withdraw this request" not in page_of(client.get(detail_url(rights_request)))

    response = client.post(f"/settings/data/{rights_request.pk}/withdraw/", follow=True)

    assert "This request can no longer be withdrawn" in page_of(response)
    rights_request.refresh_from_db()
    assert rights_request.status == Status.PROCESSING


def test_withdrawing_needs_a_form_submission(client, amara):
    rights_request = file_request(amara, "restriction", reason="Wrong date of birth")
    assert client.get(f"/settings/data/{rights_request.pk}/withdraw/").status_code == 405
    rights_request.refresh_from_db()
    assert rights_request.status == Status.AWAITING_APPROVAL


# Nobody else's requests


def test_another_learners_request_is_not_found(client, amara):
    other = UserFactory(username="kofi")
    theirs = file_request(other, "restriction", reason="Wrong phone number")

    assert client.get(detail_url(theirs)).status_code == 404
    assert client.post(f"/settings/data/{theirs.pk}/withdraw/").status_code == 404
    assert client.get(f"/settings/data/{uuid.uuid4()}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.AWAITING_APPROVAL
    assert theirs.reference not in page_of(client.get("/settings/data/"))


# Acknowledgement


def test_the_learner_is_emailed_an_acknowledgement_with_the_reference(
    client, amara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/data/new/restriction/", {"reason": "My grades are wrong."})

    rights_request = RightsRequest.objects.get(subject=amara)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amara@example.org"]
    assert message.subject == f"We received your request {rights_request.reference}"
    assert rights_request.reference in message.body
    assert f"http://testserver{detail_url(rights_request)}" in message.body


# In the browser, on a phone


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_learner_asks_for_a_restriction_and_withdraws_it_on_a_phone(live_server, page, screenshot):
    from playwright.sync_api import expect

    UserFactory(username="amara", email="amara@example.org")
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, f"{live_server.url}/accounts/login/", "amara")

    page.goto(f"{live_server.url}/settings/data/")
    tabs = page.get_by_role("navigation", name="Settings")
    expect(tabs.get_by_role("link", name="Your data")).to_have_attribute("aria-current", "page")
    expect(tabs.get_by_role("link", name="Your data")).to_be_in_viewport()
    expect(page.get_by_text("You have not made any requests yet.")).to_be_visible()
    screenshot(page, "1-your-data")

    page.get_by_role("link", name="Ask for a restriction").click()
    page.get_by_label("Why should we stop using your data for now?").fill("My phone number is wrong.")
    screenshot(page, "2-restriction-form")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("status")).to_contain_text("We received your request DSR-")
    expect(page.get_by_text("Awaiting review").first).to_be_visible()
    screenshot(page, "3-request-page")

    page.get_by_role("button", name="Withdraw this request").click()
    expect(page.get_by_role("status")).to_contain_text("is withdrawn")
    expect(page.get_by_role("button", name="Withdraw this request")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "nothing overflows the phone's width"
    screenshot(page, "4-withdrawn")


def test_a_correction_described_only_in_the_note_is_accepted(client, amara):
    response = client.post("/settings/data/new/rectification/", {"note": "Please remove my phone number."}, follow=True)
    assert 'We received your request <span class="reference">DSR-' in response.content.decode()
    assert "Please remove my phone number." in response.content.decode()


def test_each_request_row_says_when_it_was_received_and_answered_in_the_learners_time_zone(client, amara, make_request):
    amara.profile.timezone = "Asia/Tokyo"  # 9 hours ahead: 20:00 UTC is already the next day there
    amara.profile.save()
    evening = datetime.datetime(2026, 3, 9, 20, 0, tzinfo=UTC)
    answered = make_request("access", Status.COMPLETED, subject=amara, received_at=evening, completed_at=evening)
    withdrawn = make_request("rectification", Status.WITHDRAWN, subject=amara, received_at=evening - DAY)
    waiting = make_request("portability", Status.AWAITING_APPROVAL, subject=amara, received_at=evening - 2 * DAY)

    rows = {
        reference: row
        for row in re.findall(r'<tr role="row">.*?</tr>', page_of(client.get("/settings/data/")), re.S)
        for reference in re.findall(r'class="reference" href="/settings/data/[0-9a-f-]+/">(DSR-[^<]+)<', row)
    }

    assert f'href="/settings/data/{answered.pk}/"' in rows[answered.reference]
    assert '<time datetime="2026-03-10T05:00:00+09:00">10 Mar 2026</time>' in rows[answered.reference]
    assert "Answered <time" in rows[answered.reference] and "Completed" in rows[answered.reference]
    assert "Closed" in rows[withdrawn.reference] and "Withdrawn" in rows[withdrawn.reference]
    assert (
        f">{waiting.due_at.astimezone(datetime.timezone(datetime.timedelta(hours=9))):%-d %b %Y}</time>"
        in (rows[waiting.reference])
    )
    assert "Get a copy of your data" in rows[answered.reference], "the right it exercises"


def test_the_data_rights_page_lists_20_requests_a_page_newest_first_and_keeps_rights_in_use_in_view(
    client, learner, make_request
):
    # A restriction in force since long ago, with 44 newer closed requests after it.
    old = timezone.now() - datetime.timedelta(days=400)
    with time_machine.travel(old - datetime.timedelta(hours=1), tick=False):
        restriction_start(actor=None, user=learner, reason="Until my complaint is settled")
    restriction = make_request("restriction", Status.COMPLETED, received_at=old, completed_at=old)
    requests_for(learner, 44)
    RightsRequest.objects.filter(reference__startswith="DSR-QB", type="restriction").update(type="access")
    client.force_login(learner)

    first = page_of(client.get("/settings/data/"))
    last = page_of(client.get("/settings/data/?page=3"))

    listed = re.findall(r'class="reference"[^>]*>(DSR-[^<]+)<', first)
    assert len(listed) == 20 and listed[0] == f"DSR-QB-{learner.pk}-00000", "newest first"
    assert "Page 1 of 3" in first and 'rel="next">Older requests' in first and "Newer requests" not in first
    assert restriction.reference not in listed
    assert f">{restriction.reference}</a>" in first, "the right in use still shows it, above the list"
    assert re.findall(r'class="reference"[^>]*>(DSR-[^<]+)<', last)[-1] == restriction.reference
    assert "Page 3 of 3" in last and 'rel="prev">Newer requests' in last
    for nonsense in ["0", "99", "x", "-1"]:
        assert client.get(f"/settings/data/?page={nonsense}").status_code == 200
