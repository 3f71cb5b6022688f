"""Regimes through the pages: the law of the learner's country decides their rights, deadlines and where to complain."""

import csv
import datetime
import io
import re
import zoneinfo
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from compliance.models import AuditEvent
from learnerportal.tests.factories import RequestEventFactory, RightsRequestFactory, UserFactory
from learnerportal.tests.support import learner_in, make_token, token_client
from rights_requests import notifications, regime_rights, reports, request_types, services
from rights_requests.deadlines import regime_due_at
from rights_requests.exceptions import InvalidRequestDetails, TransitionNotAllowed
from rights_requests.models import RequestEvent, RightsRequest, Status
from rights_requests.statistics import request_statistics

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
CHANGELIST = "/admin/rights_requests/rightsrequest/"


#: The request types only the LGPD gives among the regimes (Art. 18, I and VII).
LGPD_ONLY = ("confirmation", "sharing_information")


def plain(response):
    """Return the page as text: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def file(user, request_type="access"):
    return services.request_submit(actor=user, subject=user, request_type=request_type)


# Filing: the regime is recorded and sets the deadline


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("country", "state", "regime", "due"),
    [
        ("FR", "", "gdpr", datetime.date(2026, 4, 10)),
        ("GB", "", "uk_gdpr", datetime.date(2026, 4, 10)),
        ("US", "CA", "ccpa", datetime.date(2026, 4, 24)),  # 45 days, across the clocks going forward
        ("BR", "", "lgpd", datetime.date(2026, 3, 25)),  # 15 days
        ("US", "TX", "default", datetime.date(2026, 4, 10)),
        ("JP", "", "default", datetime.date(2026, 4, 10)),
    ],
)
def test_a_request_records_the_regime_of_the_learners_country_and_its_deadline(client, country, state, regime, due):
    user = learner_in(country, state)
    client.force_login(user)

    response = client.post("/settings/data/new/access/", {"note": ""}, follow=True)

    rights_request = RightsRequest.objects.get(subject=user)
    assert rights_request.regime == regime
    assert rights_request.due_at.astimezone(LONDON).date() == due
    # The confirmation names the day, shown in the learner's time zone (here the platform's).
    assert f"We will answer by {due.day} " in plain(response)


@time_machine.travel(datetime.datetime(2026, 3, 1, 0, 30, tzinfo=LONDON), tick=False)
def test_a_request_at_00_30_in_london_from_a_learner_in_los_angeles_counts_from_the_london_day(client):
    user = learner_in("US", "CA", timezone="America/Los_Angeles")
    client.force_login(user)

    client.post("/settings/data/new/access/", {"note": ""})

    rights_request = RightsRequest.objects.get(subject=user)
    assert rights_request.due_at == datetime.datetime(2026, 4, 15, 23, 59, 59, 999999, tzinfo=LONDON)
    # Shown in Los Angeles time, where the platform's end of 15 April is still the afternoon of the 15th.
    page = plain(client.get(f"/settings/data/{rights_request.pk}/"))
    assert "15 April 2026" in page


def test_a_request_keeps_the_regime_it_was_filed_under_when_the_learner_moves(client):
    user = learner_in("BR")
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        filed = file(user, "access")
        client.post("/settings/account/", {"country": "FR"})
        client.post("/settings/data/new/portability/")
        later = RightsRequest.objects.get(subject=user, type="portability")

    filed.refresh_from_db()
    assert (filed.regime, filed.due_at.astimezone(LONDON).date()) == ("lgpd", datetime.date(2026, 3, 25))
    assert (later.regime, later.due_at.astimezone(LONDON).date()) == ("gdpr", datetime.date(2026, 4, 10))
    page = plain(client.get(f"/settings/data/{filed.pk}/"))
    assert "25 March 2026" in page


def test_a_right_the_learners_law_does_not_give_is_not_offered(client):
    user = learner_in("US", "CA")
    client.force_login(user)

    assert client.get("/settings/data/new/restriction/").status_code == 404
    with pytest.raises(InvalidRequestDetails) as refused:
        file(user, "restriction")
    assert refused.value.field == "type"
    assert refused.value.detail.startswith("The California Consumer Privacy Act as amended by the California Privacy")
    assert refused.value.detail.endswith(
        "(CCPA/CPRA) gives no right of this kind; Your data lists the rights it gives."
    )
    assert not RightsRequest.objects.filter(subject=user).exists()


def test_a_right_whose_type_has_no_handler_here_is_not_offered(client, monkeypatch):
    # LGPD's confirmation (Art. 18, I) and information about sharing (VII) are offered only while their handlers exist.
    client.force_login(learner_in("BR"))
    assert "/settings/data/new/confirmation/" in client.get("/settings/data/").content.decode()
    without = {key: handler for key, handler in request_types._handlers.items() if key not in LGPD_ONLY}
    monkeypatch.setattr(request_types, "_handlers", without)

    page = client.get("/settings/data/").content.decode()

    assert "/settings/data/new/access/" in page
    assert "/settings/data/new/confirmation/" not in page
    assert "/settings/data/new/sharing_information/" not in page


# Wording: legal names and citations


@pytest.mark.parametrize(
    ("country", "state", "shown", "not_shown"),
    [
        ("DE", "", ["Right of access (GDPR Art. 15)", "Right to object (GDPR Art. 21)"], ["UK GDPR", "Cal. Civ."]),
        ("GB", "", ["Right to erasure (UK GDPR Art. 17)", "Right to data portability (UK GDPR Art. 20)"], ["Cal."]),
        (
            "US",
            "CA",
            [
                "Right to know (Cal. Civ. Code §1798.110, §1798.115)",
                "Right to delete (Cal. Civ. Code §1798.105)",
                "Right to correct (Cal. Civ. Code §1798.106)",
            ],
            ["GDPR Art.", "Pause the use of your data"],
        ),
        (
            "BR",
            "",
            [
                "Access to your data (LGPD Art. 18, II)",
                "Correction of incomplete, inaccurate or out-of-date data (LGPD Art. 18, III)",
                "Revocation of consent (LGPD Art. 18, IX)",
            ],
            ["GDPR Art. 15"],
        ),
        ("KE", "", ["Right of access (Our standard, as GDPR Art. 15)"], ["Cal. Civ."]),
    ],
)
def test_your_data_lists_the_rights_of_the_learners_law_with_legal_names_and_citations(
    client, country, state, shown, not_shown
):
    client.force_login(learner_in(country, state))

    page = plain(client.get("/settings/data/"))

    for words in shown:
        assert words in page
    for words in not_shown:
        assert words not in page


def test_your_data_says_the_law_and_its_period(client):
    client.force_login(learner_in("US", "CA"))

    page = plain(client.get("/settings/data/"))

    assert "The law that applies to you: the California Consumer Privacy Act as amended by the California" in page
    assert "we answer within 45 days" in page


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "The law that applies to you: Learner Portal's standard (modelled on the GDPR). Asking is free"),
        ("es", "La ley que se te aplica: el estándar de Learner Portal (basado en el RGPD). Pedirlo es gratis"),
    ],
)
def test_the_name_of_our_standard_reads_in_a_sentence(client, language, sentence):
    client.force_login(learner_in("JP", language=language))

    assert sentence in plain(client.get("/settings/data/"))


def test_a_learner_in_the_united_states_without_a_state_is_asked_for_it(client):
    user = learner_in("US")
    client.force_login(user)

    page = client.get("/settings/data/").content.decode()
    assert "Tell us your state on the Account tab" in page
    assert 'href="/settings/account/"' in page

    client.force_login(learner_in("US", "NY"))
    assert "Tell us your state" not in client.get("/settings/data/").content.decode()


def test_the_notice_describes_every_regime_and_marks_the_learners(client):
    anonymous = plain(client.get("/privacy/notice/"))
    for words in (
        "The EU General Data Protection Regulation (GDPR)",
        "The UK General Data Protection Regulation (UK GDPR)",
        "The California Consumer Privacy Act as amended by the California Privacy Rights Act (CCPA/CPRA)",
        "Brazil's General Data Protection Law (LGPD)",
        "Learner Portal's standard (modelled on the GDPR)",
        "Right to delete (Cal. Civ. Code §1798.105)",
        "Access to your data (LGPD Art. 18, II)",
        "Right to restriction of processing (UK GDPR Art. 18)",
        "45 days from the day we receive your request (Cal. Civ. Code §1798.130(a)(2))",
        "15 days from the day we receive your request (LGPD Art. 19, II)",
        "Information Commissioner's Office (ICO)",
        "National Data Protection Authority (ANPD)",
    ):
        assert words in anonymous
    assert "Yours" not in anonymous

    client.force_login(learner_in("US", "CA"))
    html = client.get("/privacy/notice/").content.decode()
    mine = re.search(r'<section class="regime regime-yours"[^>]*>(.*?)</section>', html, re.S).group(1)
    assert "California Consumer Privacy Act" in mine
    assert "Yours" in mine
    assert html.count("regime-yours") == 1


def test_the_spanish_notice_and_your_data_tab_give_the_legal_names_in_spanish(client):
    user = learner_in("US", "CA", language="es")
    client.force_login(user)

    assert "Derecho a saber (Código Civil de California, §1798.110 y §1798.115)" in plain(client.get("/settings/data/"))
    assert "Derecho de supresión (art. 17 del RGPD)" in plain(client.get("/privacy/notice/"))


# Where the regime comes from: the Account tab's state, and staff


def test_a_learner_in_the_united_states_tells_their_state_on_the_account_tab_and_gets_its_law(client):
    user = learner_in("US")
    client.force_login(user)
    form = {"full_name": "Dana Reyes", "country": "US", "us_state": "CA"}

    client.post("/settings/account/", form)

    user.profile.refresh_from_db()
    assert user.profile.us_state == "CA"
    assert "Right to know" in plain(client.get("/settings/data/"))


def test_a_state_is_not_kept_for_a_learner_outside_the_united_states(client):
    user = learner_in("US", "CA")
    client.force_login(user)

    client.post("/settings/account/", {"country": "PT", "us_state": "CA"})

    user.profile.refresh_from_db()
    assert (user.profile.country.code, user.profile.us_state) == ("PT", "")
    assert "Right of access (GDPR Art. 15)" in plain(client.get("/settings/data/"))


def profile_change_url(user):
    return f"/admin/accounts/profile/{user.profile.pk}/change/"


def test_the_privacy_officer_records_another_regime_with_a_reason_and_it_is_audited(
    client, officer, verified_login, django_capture_on_commit_callbacks
):
    user = learner_in("FR")
    verified_login(client, officer)

    response = client.post(profile_change_url(user), {"regime_override": "lgpd", "regime_override_reason": ""})
    assert "Say why this regime applies to the learner." in plain(response)
    user.profile.refresh_from_db()
    assert user.profile.regime_override == ""

    client.post(
        profile_change_url(user),
        {"regime_override": "lgpd", "regime_override_reason": "Lives in São Paulo; the profile's country is old."},
    )

    user.profile.refresh_from_db()
    assert user.profile.regime_override == "lgpd"
    event = AuditEvent.objects.filter(subject=user, action=AuditEvent.Action.ACCOUNT_CHANGED).get()
    assert event.actor == officer
    assert event.changes == {"fields": ["regime"], "regime": ["", "lgpd"]}
    assert "São Paulo" not in str(event.changes), "the reason stays on the profile, out of the log"
    assert file(user).regime == "lgpd"


def test_support_agents_cannot_record_a_regime(client, agent, verified_login):
    user = learner_in("FR")
    verified_login(client, agent)

    response = client.post(profile_change_url(user), {"regime_override": "ccpa", "regime_override_reason": "Because."})

    assert response.status_code == 403
    user.profile.refresh_from_db()
    assert user.profile.regime_override == ""
    assert not AuditEvent.objects.filter(subject=user, action=AuditEvent.Action.ACCOUNT_CHANGED).exists()


# Staff: the queue, extensions, refusals, overdue, statistics


def test_the_queue_shows_and_filters_each_requests_regime_and_its_period(client, officer, verified_login):
    ccpa = file(learner_in("US", "CA"))
    gdpr = file(learner_in("IT"))
    verified_login(client, officer)

    page = plain(client.get(CHANGELIST))
    assert "California CCPA/CPRA: 45 days" in page
    assert "EU/EEA GDPR: 1 month" in page

    filtered = client.get(CHANGELIST, {"regime": "ccpa"}).content.decode()
    assert ccpa.reference in filtered
    assert gdpr.reference not in filtered


def test_overdue_follows_each_requests_regime(client, officer, verified_login):
    with time_machine.travel(datetime.datetime(2026, 1, 15, 10, 0, tzinfo=LONDON), tick=False):
        lgpd = file(learner_in("BR"))  # due 30 January
        gdpr = file(learner_in("ES"))  # due 15 February
        ccpa = file(learner_in("US", "CA"))  # due 1 March
    verified_login(client, officer)

    with time_machine.travel(datetime.datetime(2026, 2, 20, 10, 0, tzinfo=LONDON), tick=False):
        overdue = client.get(CHANGELIST, {"deadline": "overdue"}).content.decode()

    assert lgpd.reference in overdue
    assert gdpr.reference in overdue
    assert ccpa.reference not in overdue


def test_the_officers_reminder_lists_what_is_overdue_under_each_requests_regime(officer):
    with time_machine.travel(datetime.datetime(2026, 1, 15, 10, 0, tzinfo=LONDON), tick=False):
        lgpd = file(learner_in("BR"))  # due 30 January
        ccpa = file(learner_in("US", "CA"))  # due 1 March

    with time_machine.travel(datetime.datetime(2026, 2, 2, 9, 0, tzinfo=LONDON), tick=False):
        call_command("rights_requests_remind", stdout=io.StringIO())

    (reminder,) = [message for message in mail.outbox if message.to == [officer.email]]
    assert lgpd.reference in reminder.body
    assert ccpa.reference not in reminder.body


def test_a_ccpa_deadline_is_extended_by_45_days_and_an_lgpd_one_not_at_all(officer, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        ccpa = file(learner_in("US", "CA"), "erasure")
        lgpd = file(learner_in("BR"), "erasure")

        with pytest.raises(InvalidRequestDetails) as refused:
            services.request_extend(actor=officer, request=ccpa, months=2, reason="Records in two systems.")
        assert refused.value.detail == (
            "Under the California Consumer Privacy Act as amended by the California Privacy Rights Act (CCPA/CPRA), "
            "a deadline can be extended by 45 days only."
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.request_extend(actor=officer, request=ccpa, days=45, reason="Records in two systems.")
        with pytest.raises(TransitionNotAllowed) as refused:
            services.request_extend(actor=officer, request=lgpd, days=15, reason="Records in two systems.")
        assert refused.value.detail == (
            "Brazil's General Data Protection Law (LGPD) allows no extension of this deadline (LGPD Art. 19, II)."
        )

    ccpa.refresh_from_db()
    assert ccpa.due_at.astimezone(LONDON).date() == datetime.date(2026, 6, 8)  # 90 days after 10 March
    assert "Records in two systems." in mail.outbox[-1].body
    lgpd.refresh_from_db()
    assert lgpd.extended_at is None


@pytest.mark.parametrize(
    ("country", "state", "authority", "citation"),
    [
        ("US", "CA", "the California Privacy Protection Agency (cppa.ca.gov)", "Cal. Civ. Code §1798.199.45"),
        ("GB", "", "the Information Commissioner's Office (ICO), ico.org.uk", "UK GDPR Art. 77"),
        ("BR", "", "the National Data Protection Authority (ANPD)", "LGPD Art. 18, §1"),
        ("NL", "", "the European Data Protection Board lists them", "GDPR Art. 77"),
    ],
)
def test_a_refusal_names_the_complaint_authority_of_the_requests_regime(
    client, officer, django_capture_on_commit_callbacks, country, state, authority, citation
):
    user = learner_in(country, state)
    rights_request = file(user, "erasure")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.request_reject(actor=officer, request=rights_request, reason="A disputed invoice is in court.")

    (refusal,) = mail.outbox
    body = " ".join(refusal.body.split())
    assert authority in body
    assert f"({citation})" in body
    client.force_login(user)
    page = plain(client.get(f"/settings/data/{rights_request.pk}/"))
    assert authority in page
    assert f"({citation})" in page


@pytest.mark.parametrize(
    ("country", "state", "label"),
    [
        ("FR", "", "Correct your data (GDPR Art. 16)"),
        ("GB", "", "Correct your data (UK GDPR Art. 16)"),
        ("US", "CA", "Correct your data (Cal. Civ. Code §1798.106)"),
        ("BR", "", "Correct your data (LGPD Art. 18, III)"),
        ("JP", "", "Correct your data (Our standard, as GDPR Art. 16)"),
    ],
)
def test_the_apis_type_label_cites_the_requests_own_law(country, state, label):
    user = learner_in(country, state)
    services.request_submit(actor=user, subject=user, request_type="rectification", details={"note": "Typo."})
    api = token_client(make_token(user))

    (listed,) = api.get("/api/v1/me/requests/").json()["results"]

    assert listed["type_label"] == label
    assert api.get(listed["url"]).json()["type_label"] == label


def test_the_statistics_cite_each_type_under_the_laws_of_its_requests(client, officer, verified_login):
    with time_machine.travel(NOW, tick=False):
        for country, state in (("FR", ""), ("US", "CA"), ("US", "CA")):
            file(learner_in(country, state), "erasure")
    verified_login(client, officer)

    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        page = plain(client.get(f"{CHANGELIST}statistics/"))
        csv_text = client.get(f"{CHANGELIST}statistics/", {"export": "types"}).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))

    assert "Erasure (GDPR Art. 17; Cal. Civ. Code §1798.105) 3" in page
    assert "Access (" not in page, "a type without requests cites no law"
    assert "Art. 15" not in page
    erasure = next(row for row in rows if row["request_type"] == "Erasure")
    assert (erasure["sources"], erasure["received"]) == ("GDPR Art. 17; Cal. Civ. Code §1798.105", "3")


def test_statistics_give_the_on_time_rate_per_regime():
    received = datetime.datetime(2026, 2, 2, 10, 0, tzinfo=LONDON)
    answered = datetime.datetime(2026, 2, 20, 10, 0, tzinfo=LONDON)
    # Both answered on 20 February: the LGPD's 15 days ended on 17 February (late), the CCPA's 45 run to 19 March.
    for regime in ("lgpd", "ccpa"):
        made = RightsRequestFactory(
            regime=regime,
            type="access",
            status=Status.COMPLETED,
            subject=UserFactory(),
            received_at=received,
            due_at=regime_due_at(received, regime, "access"),
        )
        event = RequestEventFactory(request=made, action=RequestEvent.Action.COMPLETED, to_status=Status.COMPLETED)
        RequestEvent.objects.filter(pk=event.pk).update(created_at=answered)

    statistics = request_statistics(weeks=12, now=NOW)

    rates = {figures.type: (figures.answered, figures.on_time_rate) for figures in statistics.regimes}
    assert rates["lgpd"] == (1, 0.0)
    assert rates["ccpa"] == (1, 1.0)
    assert rates["gdpr"] == (0, None)


def test_the_statistics_page_has_a_table_per_regime(client, officer, verified_login):
    verified_login(client, officer)

    page = plain(client.get(f"{CHANGELIST}statistics/"))

    assert "Per regime" in page
    assert "Brazil LGPD" in page


@pytest.mark.parametrize(
    ("country", "state", "says"),
    [
        ("FR", "", "Transfers outside the European Economic Area: We do not transfer your personal data"),
        ("GB", "", "Transfers outside the United Kingdom: We store and process your personal data in the European "),
        ("GB", "", "UK adequacy regulations allow it to go (UK GDPR Chapter V, Art. 45;"),
        ("US", "CA", "Where your data is processed: We store and process your personal data in the European Economic"),
        ("BR", "", "International transfers: We store and process"),
        ("BR", "", "which we make only as LGPD Art. 33 allows it."),
        ("JP", "", "Where your data is processed: We store and process"),
    ],
)
def test_the_access_report_tells_transfers_in_the_terms_of_the_learners_law(country, state, says):
    """A UK or Californian learner is not told about the EEA's borders as if they were theirs."""
    out = io.StringIO()
    reports.access_report_write(learner_in(country, state), out)
    report = " ".join(unescape(re.sub(r"<[^>]+>", " ", out.getvalue())).split())

    assert says in report
    if country != "FR":
        assert "Transfers outside the European Economic Area" not in report


def test_the_notice_tells_transfers_under_each_law_and_an_operator_may_restate_one(client, settings):
    settings.RIGHTS_REQUESTS_TRANSFERS_STATEMENTS = {"uk_gdpr": "Hosted in Frankfurt under UK adequacy regulations."}
    html = client.get("/privacy/notice/").content.decode()
    uk = plain_section(html, "uk_gdpr")

    assert "Transfers outside the United Kingdom" in uk and "Hosted in Frankfurt under UK adequacy regulations." in uk
    assert "European Economic Area" not in uk
    assert "Transfers outside the European Economic Area" in plain_section(html, "gdpr")
    assert "Where your data is processed" in plain_section(html, "ccpa")
    assert "LGPD Art. 33" in plain_section(html, "lgpd")
    assert "Transfers outside the European Economic Area" not in plain_section(html, "default")


def plain_section(html, key):
    """Return the text of the notice's section on the regime ``key``."""
    found = re.search(rf'<section class="regime[^"]*" aria-labelledby="regime-{key}">(.*?)</section>', html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_a_right_filed_under_a_law_that_does_not_name_it_cites_no_other_law(django_capture_on_commit_callbacks):
    """amara (our standard) opted out of sale without signing in: no "Cal. Civ. Code" in her email or the API."""
    amara = learner_in("JP")
    rights_request = RightsRequestFactory(subject=amara, type="opt_out_of_sale", regime="default")
    event = RequestEventFactory(request=rights_request, action=RequestEvent.Action.SUBMITTED)

    email = notifications.request_event_email(event)
    (listed,) = token_client(make_token(amara)).get("/api/v1/me/requests/").json()["results"]

    assert "Do not sell or share my personal information" in email.body
    assert "Cal. Civ. Code" not in email.body and "Cal. Civ. Code" not in email.alternatives[0].content
    assert listed["type_label"] == "Do not sell or share my personal information"
    assert regime_rights.citation_under("gdpr", "limit_sensitive_use") == ""
    assert regime_rights.citation_under("ccpa", "opt_out_of_sale") == "Cal. Civ. Code §1798.120"


def test_a_spanish_learner_in_the_uk_reads_where_her_data_goes_in_spanish():
    out = io.StringIO()
    reports.access_report_write(learner_in("GB", language="es"), out)
    report = " ".join(unescape(re.sub(r"<[^>]+>", " ", out.getvalue())).split())

    assert "Transferencias fuera del Reino Unido: Conservamos y tratamos tus datos personales" in report
    assert "reglamentos de adecuación del Reino Unido" in report
