"""The access report (GDPR Art. 15): what it contains, how it is stored, who may download it and for how long."""

import datetime
import io
import re
from html import unescape

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import LearningEvent
from compliance.models import AuditEvent
from compliance.registry import registry
from learnerportal.tests.factories import (
    BackupCodeFactory,
    CourseFactory,
    EnrollmentFactory,
    LearningEventFactory,
    PaymentFactory,
    RightsRequestFactory,
    TOTPDeviceFactory,
    UserFactory,
)
from learnerportal.tests.support import learner_in
from privacy.services import consent_record, profile_visibility_update
from rights_requests import services
from rights_requests.files import associated_data_of, decrypt_stream
from rights_requests.models import RequestFile, Status
from rights_requests.reports import access_report_write

pytestmark = pytest.mark.django_db

TOTP_KEY = "3132333435363738393031323334353637383930"
BACKUP_DIGEST = "d1gest0f4backupc0de" * 3


@pytest.fixture
def rich_learner(learner):
    """The learner with data in several categories, an authenticator app and backup codes."""
    course = CourseFactory(title="Quantum Basics for Everyone")
    EnrollmentFactory(user=learner, course=course, progress_percent=73)
    LearningEventFactory.create_batch(3, user=learner, course=course, event_type=LearningEvent.EventType.VIDEO_PLAYED)
    TOTPDeviceFactory(user=learner, name="Noor's phone", key=TOTP_KEY)
    BackupCodeFactory(device__user=learner, device__name="backup", salt="s4ltofthebackupcode", digest=BACKUP_DIGEST)
    return learner


@pytest.fixture
def other_learner():
    user = UserFactory(username="zhang.wei", email="zhang.wei@example.org")
    user.profile.full_name = "Zhang Wei Other"
    user.profile.save()
    EnrollmentFactory(user=user, course=CourseFactory(title="Secret Garden Course"))
    return user


@pytest.fixture
def access_request(rich_learner, other_learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=rich_learner, subject=rich_learner, request_type="access")
    request.refresh_from_db()
    return request


def report_of(request):
    request_file = RequestFile.objects.get(request=request)
    with default_storage.open(request_file.storage_name, "rb") as stored:
        return request_file, stored.read()


def html_of(request):
    request_file, stored = report_of(request)
    associated_data = associated_data_of(request_id=request.pk, kind=request_file.kind)
    return b"".join(decrypt_stream(io.BytesIO(stored), associated_data=associated_data)).decode()


def test_filing_an_access_request_completes_it_with_a_report_to_download(access_request):
    assert access_request.status == Status.COMPLETED
    request_file = RequestFile.objects.get(request=access_request)
    assert request_file.kind == RequestFile.Kind.ACCESS_REPORT
    lifetime = request_file.expires_at - request_file.created_at
    assert abs(lifetime - datetime.timedelta(days=7)) < datetime.timedelta(seconds=5)
    assert "ready" in access_request.events.get(action="completed").note


def test_the_report_holds_the_learners_data_by_category_with_purposes_bases_and_retention(access_request):
    html = html_of(access_request)

    for text in (
        "Noor Al-Hassan",  # identity
        "noor@example.org",  # contact
        "+44 7700 900555",
        "<td>73</td>",  # education: progress in percent
        "Played a video",  # usage
        "Noor&#x27;s phone",  # security
        access_request.reference,  # the request itself
    ):
        assert text in html
    for heading in ("Identity", "Contact details", "Education and learning", "Usage and activity"):
        assert f">{heading}</h2>" in html
    assert "Performance of a contract — GDPR Art. 6(1)(b)" in html
    assert "Legal obligation — GDPR Art. 6(1)(c)" in html
    assert "How long we keep it" in html
    assert "6 years after the request is closed" in html
    assert "Where it comes from" in html
    assert "Who receives it" in html


def test_the_report_never_holds_secrets_or_another_learners_data(access_request, rich_learner):
    html = html_of(access_request)

    assert rich_learner.password and rich_learner.password not in html
    assert TOTP_KEY not in html
    assert BACKUP_DIGEST not in html
    assert "s4ltofthebackupcode" not in html
    assert "Zhang Wei" not in html
    assert "zhang.wei" not in html
    assert "Secret Garden Course" not in html


def test_the_report_is_stored_encrypted(access_request):
    request_file, stored = report_of(access_request)

    assert b"Noor" not in stored
    assert b"<html" not in stored
    assert request_file.size == len(stored)
    _header, *tokens = stored.splitlines()
    plain = b"".join(Fernet(settings.ENCRYPTION_KEYS[0]).decrypt(token)[5:] for token in tokens)
    assert b"Noor Al-Hassan" in plain


def test_the_owner_sees_the_button_downloads_the_report_and_the_download_is_audited(client, access_request):
    client.force_login(access_request.subject)
    detail = client.get(reverse("rights_requests:detail", args=[access_request.pk]))
    assert "Download your report" in detail.text

    response = client.get(reverse("rights_requests:download", args=[access_request.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Noor Al-Hassan" in b"".join(response.streaming_content).decode()
    event = AuditEvent.objects.get(subject=access_request.subject, action=AuditEvent.Action.EXPORT_DOWNLOADED)
    assert event.actor == access_request.subject


def test_another_learner_gets_404_and_nobody_signed_out_gets_the_file(client, access_request, other_learner):
    url = reverse("rights_requests:download", args=[access_request.pk])

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse(settings.LOGIN_URL))

    client.force_login(other_learner)
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()


def test_after_seven_days_the_download_answers_410_and_the_file_is_gone(client, access_request):
    request_file = RequestFile.objects.get(request=access_request)
    name = request_file.storage_name
    client.force_login(access_request.subject)
    url = reverse("rights_requests:download", args=[access_request.pk])

    with time_machine.travel(request_file.expires_at + datetime.timedelta(seconds=1)):
        response = client.get(url)
        detail = client.get(reverse("rights_requests:detail", args=[access_request.pk]))

    assert response.status_code == 410
    assert not default_storage.exists(name)
    assert "Download your report" not in detail.text
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()


def test_the_report_speaks_in_words_dates_and_transfers_not_raw_data(learner, django_capture_on_commit_callbacks):
    learner.profile.date_of_birth = datetime.date(1977, 8, 18)
    learner.profile.save()
    services.request_submit(
        actor=learner,
        subject=learner,
        request_type="rectification",
        details={"changes": {"full_name": "Noor al_Hassan"}, "note": ""},
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type="access")

    html = html_of(request)

    assert "18 August 1977" in html and "1977-08-18" not in html
    assert "changes: full name: Noor al_Hassan" in html, "keys in words, the learner's own text exactly"
    assert '{"changes"' not in html and "&quot;changes&quot;" not in html
    assert "Transfers outside the United Kingdom:" in html, "noor lives in the UK"
    assert "European Economic Area:" not in html
    # The access request was completed by the portal itself: its step says so rather than leaving a blank.
    assert "<td>Automatically</td>" in html


def rights_section(html):
    """Return the text of the report's "Your rights" section, tags dropped and whitespace collapsed."""
    section = html.split('<h2 id="rights">', 1)[1].split("<h2", 1)[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", section)).split())


@pytest.mark.parametrize(
    ("country", "state", "language", "says", "never"),
    [
        (
            "US",
            "CA",
            "en",
            [
                "The law that applies to you: the California Consumer Privacy Act as amended by the California",
                "Right to know (Cal. Civ. Code §1798.110, §1798.115)",
                "Right to delete (Cal. Civ. Code §1798.105)",
                "Right to opt out of sale or sharing (Cal. Civ. Code §1798.120)",
                "We answer within 45 days from the day we receive your request (Cal. Civ. Code §1798.130(a)(2)); "
                "extendable by up to 45 days more, once, when reasonably necessary",
                "You may complain to the California Privacy Protection Agency (cppa.ca.gov) or the California "
                "Attorney General (Cal. Civ. Code §1798.199.45).",
            ],
            ["GDPR", "Art. 1", "Right to erasure", "restrict"],
        ),
        (
            "BR",
            "",
            "en",
            [
                "Confirmation that your data is processed (LGPD Art. 18, I)",
                "Information about whom we shared your data with (LGPD Art. 18, VII)",
                "We answer within 15 days from the day we receive your request (LGPD Art. 19, II); no extension.",
                "the National Data Protection Authority (ANPD), gov.br/anpd (LGPD Art. 18, §1)",
            ],
            ["GDPR", "Cal. Civ."],
        ),
        (
            "GB",
            "",
            "en",
            [
                "Right to erasure (UK GDPR Art. 17)",
                "Right to restriction of processing (UK GDPR Art. 18)",
                "We answer within 1 month from the day we receive your request (UK GDPR Art. 12(3)); extendable by up "
                "to 2 months more",
                "the Information Commissioner's Office (ICO), ico.org.uk (UK GDPR Art. 77)",
            ],
            ["Cal. Civ.", "LGPD"],
        ),
        (
            "US",
            "CA",
            "es",
            [
                "La ley que se te aplica: la Ley de Privacidad del Consumidor de California",
                "Derecho a saber (Código Civil de California, §1798.110 y §1798.115)",
            ],
            ["RGPD"],
        ),
    ],
)
def test_your_rights_in_the_report_follow_the_learners_law(
    learner, django_capture_on_commit_callbacks, country, state, language, says, never
):
    learner_in(country, state, user=learner)
    learner.profile.language = language
    learner.profile.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type="access")

    html = html_of(request)

    rights = rights_section(html)
    for words in says:
        assert words in rights
    for words in never:
        assert words not in rights
    opening = {"en": "where it comes from (", "es": "de dónde proceden ("}[language]
    assert opening + {"US": "C", "BR": "L", "GB": "U"}[country] in html, "the report cites the law's right of access"


def test_failed_sign_ins_show_their_network_and_browser_kind_never_the_address_or_headers(
    learner, django_capture_on_commit_callbacks
):
    stranger = Client(
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36 planted-agent",
        HTTP_ACCEPT="text/x-planted-accept",
    )
    stranger.post("/accounts/login/?ref=planted-query", {"username": "noor", "password": "planted-password"})
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=learner, subject=learner, request_type="access")

    html = html_of(request)

    assert "<td>198.51.100.0/24</td>" in html and "<td>Chrome on Windows</td>" in html
    assert "198.51.100.23" not in html and "planted" not in html


# The report's structure, read as a learner reads it: sections, their tables, and what is said of each field.


def sections_of(html):
    """Return ``[(h3 text, column headings, rows of cell texts, section html)]`` of the report's record tables."""
    found = []
    for section in re.findall(r'<section class="record" id="[^"]+">(.*?)</section>', html, re.S):
        title = re.search(r"<h3>(.*?)</h3>", section).group(1)
        headings = re.findall(r'<th scope="col">(.*?)</th>', section)
        body = section.split("<tbody>")[1].split("</tbody>")[0]
        rows = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
        found.append((title, headings, rows, section))
    return found


def lower_first(text):
    return text[:1].lower() + text[1:]


BASIS = r" \(([^()]* — GDPR Art\. 6\(1\)\([a-f]\))\)$"


def report_statements(html):
    """Return ``{(record, field description lower-first): (purposes with bases, recipients)}``, as the report says."""
    said = {}
    for title, headings, _rows, section in sections_of(html):
        notes = section.split("</table>")[1]
        for part in re.split(r'(?=<p class="why-for">)', notes):
            if "Why we hold it" not in part:
                continue
            covered = re.findall(r"<strong>(.*?)</strong>", part.split("</p>")[0]) if "why-for" in part else headings
            why, who = re.findall(r"<dd>(.*?)</dd>", part, re.S)[:2]
            purposes = frozenset(
                re.match(r"^(.*)" + BASIS, item).groups() for item in re.findall(r"<li>(.*?)</li>", why)
            )
            recipients = frozenset(re.findall(r"<li>(.*?)</li>", who))
            for field in covered:
                said[(title, lower_first(field))] = (purposes, recipients)
    return said


def parenthesis_after(text, words):
    """Return the parenthesis right after ``words`` in ``text`` (nested ones kept), with a space before it, or ""."""
    rest = text.split(words, 1)[1]
    if not rest.startswith(" ("):
        return ""
    depth = 0
    for index, character in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == ")" and depth == 0:
            return rest[: index + 1]
    raise AssertionError(f"unbalanced parenthesis after {words!r}")


def notice_statements(page):
    """Return the same mapping as ``report_statements``, as the privacy notice page says it."""
    said = {}
    for record in re.findall(
        r'<section class="panel notice-record" aria-labelledby="record-\d+">(.*?)</section>', page, re.S
    ):
        title = re.search(r"<h2[^>]*>(.*?)</h2>", record).group(1)
        what, why, _how_long, who = re.findall(r"<dd>(.*?)</dd>", record, re.S)[:4]
        bases = dict(
            re.match(r"^(.*) <span class=\"muted\">— (.*)</span>$", item).groups()
            for item in re.findall(r"<li>(.*?)</li>", why)
        )
        recipients = frozenset(who.split("; ")) if who != "Nobody but you" else frozenset()
        items = [item for _, text in re.findall(r"<p><strong>(.*?):</strong> (.*?)\.</p>", what) for item in [text]]
        for declaration in registry:
            if declaration.description.replace("'", "&#x27;") != title:
                continue
            for personal in declaration.fields.values():
                description = personal.description.replace("'", "&#x27;")
                text = next(t for t in items if description in t)
                limits = parenthesis_after(text, description)[2:-1]
                purposes, given_to = set(bases), recipients
                if limits.startswith("used only to "):
                    used = limits.removeprefix("used only to ").split("; received only by: ")[0]
                    purposes = {p for p in bases if lower_first(p) in used.split(" and to ")}
                if "received only by: " in limits:
                    given = limits.split("received only by: ")[1]
                    given_to = frozenset(r for r in recipients if lower_first(r) in given.split("; "))
                said[(title, lower_first(description))] = (frozenset((p, bases[p]) for p in purposes), given_to)
    return said


def test_for_every_field_the_report_and_the_privacy_notice_say_the_same_purposes_bases_and_recipients(client, learner):
    """One source, the registry, field by field (GDPR Art. 13(1)(c), (e), 15(1)(a), (c))."""
    out = io.StringIO()
    access_report_write(learner, out)
    report = report_statements(out.getvalue())
    notice = notice_statements(client.get("/privacy/notice/").content.decode())

    for declaration in registry:
        for personal in declaration.fields.values():
            if not personal.exportable:
                continue
            key = (
                declaration.description.replace("'", "&#x27;"),
                lower_first(personal.description.replace("'", "&#x27;")),
            )
            assert key in report, key
            assert report[key] == notice[key], key
    phone = report[("Your profile", "your phone number")]
    assert {purpose for purpose, _ in phone[0]} == {"Run your account"}
    assert not any(recipient.startswith("Other people") for recipient in phone[1]), "a phone is never on a profile"
    date_of_birth = report[("Your profile", "your date of birth")]
    assert not any(recipient.startswith("Other people") for recipient in date_of_birth[1])
    assert any(recipient.startswith("Other people") for recipient in report[("Your profile", "your full name")][1])


def shown_time(text):
    """Return the datetime of a report cell such as "7 December 2026, 14:05 GMT"."""
    return datetime.datetime.strptime(text.rsplit(" ", 1)[0], "%d %B %Y, %H:%M")


def test_every_list_in_the_report_is_newest_first(learner, django_capture_on_commit_callbacks):
    """Learning activity, consents, account activity, requests and their history: the latest on top."""
    base = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)
    courses = {}
    # Made out of order, so that the order of making (the primary key) is not the order of time.
    for days, title, audience, purpose, request_type in (
        (5, "Second course", "learners", "research", "restriction"),
        (1, "First course", "public", "marketing_email", "objection"),
        (9, "Third course", "private", "personalization", "access"),
    ):
        with time_machine.travel(base + datetime.timedelta(days=days), tick=False):
            courses[days] = CourseFactory(title=title)
            LearningEventFactory(user=learner, course=courses[days])
            consent_record(actor=learner, user=learner, purpose=purpose, granted=True, source="settings")
            profile_visibility_update(actor=learner, subject=learner, audiences={"bio": audience})
            RightsRequestFactory(subject=learner, type=request_type, received_at=timezone.now())
    out = io.StringIO()
    access_report_write(learner, out)
    html = out.getvalue()

    lists = 0
    for title, headings, rows, _section in sections_of(html):
        declaration = next(d for d in registry if d.description.replace("'", "&#x27;") == title)
        if not declaration.listed_by or len(rows) < 2:
            continue
        column = headings.index(declaration.fields[declaration.listed_by].description.replace("'", "&#x27;"))
        times = [shown_time(row[column]) for row in rows if row[column]]
        assert times == sorted(times, reverse=True), title
        lists += 1
    assert lists >= 4, "learning activity, consents, the audit log and requests each have several rows"
    activity = html.split("<h3>Your learning activity</h3>")[1]
    assert activity.index("Third course") < activity.index("Second course") < activity.index("First course")


def test_audit_entries_say_what_changed_in_the_words_of_the_privacy_tab(learner):
    profile_visibility_update(actor=learner, subject=learner, audiences={"bio": "learners"})
    consent_record(actor=learner, user=learner, purpose="research", granted=True, source="settings")
    out = io.StringIO()
    access_report_write(learner, out)
    html = out.getvalue()

    assert "bio: Only me → Signed-in learners" in html
    assert "private, learners" not in html and "bio: private" not in html
    assert "Consent changed: research on." in html, "the sentence the learner reads under Account activity"
    consents = html.split("<h3>Your consents: what you agreed to, when and how</h3>")[1]
    assert "<tr><td>Research</td><td>On</td>" in consents, "as the Privacy tab's consent history says it"


def test_the_report_opens_with_a_summary_what_erasure_would_keep_and_contents_that_lead_to_each_section(learner):
    course = CourseFactory(title="Quantum Basics")
    LearningEventFactory.create_batch(3, user=learner, course=course)
    PaymentFactory(user=learner, course=course)
    out = io.StringIO()
    access_report_write(learner, out)
    html = out.getvalue()
    summary = html.split('<h2 id="summary">')[1].split('<h2 id="contents">')[0]

    usage = re.search(r'<a href="#usage">Usage and activity</a></th><td class="number">(\d+)</td>', summary)
    # Learning activity (3), the account's creation date (1) and the profile's dates (1).
    assert usage and usage.group(1) == "5"
    payments = re.search(r'<a href="#financial">Payments</a></th><td class="number">(\d+)</td>', summary)
    assert payments and payments.group(1) == "1"
    kept = summary.split('id="kept"')[1]
    assert "Your payments</strong> — Kept: Accounting records must be kept" in kept
    assert "Your account</strong> — Kept without anything that identifies you." in kept
    assert "Your quiz results" not in kept, "nothing held, nothing kept"
    assert "Your learning activity" not in kept, "deleted on erasure"
    targets = set(re.findall(r'href="#([^"]+)"', html))
    ids = set(re.findall(r' id="([^"]+)"', html))
    assert targets <= ids, targets - ids
    assert {"usage-accounts-learningevent", "financial-accounts-payment", "rights"} <= targets
    assert html.index('id="contents"') < html.index('id="rights"') < html.index('id="identity"')
