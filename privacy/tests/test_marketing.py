"""The marketing digest and its one-click unsubscribe link: only consenting learners, checked at send time."""

import datetime
import email.policy
import io
from unittest import mock

import pytest
import time_machine
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from learnerportal.tests.factories import CourseFactory, UserFactory
from privacy import marketing
from privacy.models import Consent, ProcessingRun
from privacy.selectors import may_process
from privacy.services import consent_record, restriction_start

pytestmark = pytest.mark.django_db


def grant(user, purpose="marketing_email"):
    consent_record(actor=user, user=user, purpose=purpose, granted=True, source=Consent.Source.SETTINGS)


def withdraw(user, purpose="marketing_email"):
    consent_record(actor=user, user=user, purpose=purpose, granted=False, source=Consent.Source.SETTINGS)


def never_consented(user):
    pass


def withdrew(user):
    grant(user)
    withdraw(user)


def restricted(user):
    grant(user)
    restriction_start(actor=None, user=user, reason="Learner contests the accuracy of their data.")


def objected(user):
    grant(user)
    consent_record(actor=user, user=user, purpose="marketing_email", granted=False, source=Consent.Source.OBJECTION)


def inactive(user):
    grant(user)
    user.is_active = False
    user.save(update_fields=["is_active"])


EXCLUSIONS = [never_consented, withdrew, restricted, objected, inactive]


@pytest.fixture
def courses():
    with time_machine.travel("2026-10-01 09:00Z"):
        old = CourseFactory(title="Statistics, the old edition")
    with time_machine.travel("2026-11-01 09:00Z"):
        new = [CourseFactory(title=f"New course {n}") for n in range(3)]
    return old, new


def send_digest(**options):
    out = io.StringIO()
    call_command("send_marketing_digest", stdout=out, **options)
    return out.getvalue()


@pytest.mark.parametrize("exclusion", EXCLUSIONS, ids=lambda f: f.__name__)
def test_the_digest_goes_only_to_learners_the_gate_allows(exclusion, courses, mailoutbox):
    consenting = UserFactory(username="noor")
    grant(consenting)
    left_out = UserFactory(username="tomas")
    exclusion(left_out)

    output = send_digest()

    assert [message.to for message in mailoutbox] == [[consenting.email]]
    run = ProcessingRun.objects.get()
    assert (run.kind, run.actor, run.included, run.excluded) == (ProcessingRun.Kind.MARKETING_DIGEST, None, 1, 1)
    assert output.strip() == (
        "Sent the digest to 1 learner(s); 1 left out "
        "(no marketing consent, withdrawn, restricted, objected or inactive)."
    )
    assert "@" not in output


def test_the_run_records_how_many_were_included_and_left_out(courses, mailoutbox):
    for _ in range(3):
        grant(UserFactory())
    for exclusion in EXCLUSIONS:
        exclusion(UserFactory())

    send_digest()

    run = ProcessingRun.objects.get()
    assert (run.included, run.excluded) == (3, len(EXCLUSIONS))
    assert len(mailoutbox) == 3
    assert run.parameters == {"courses": 4}


def test_the_gate_is_asked_again_just_before_each_email_leaves(courses, mailoutbox):
    learner = UserFactory()
    grant(learner)
    recipients, excluded = marketing.marketing_digest_recipients()
    assert (recipients, excluded) == ([learner], 0)

    withdraw(learner)  # after selection, before sending

    assert marketing.marketing_digest_send_one(learner, courses[1]) is False
    assert mailoutbox == []


def test_a_deactivation_after_selection_also_stops_the_email(courses, mailoutbox):
    learner = UserFactory()
    grant(learner)
    recipients, _ = marketing.marketing_digest_recipients()
    type(learner).objects.filter(pk=learner.pk).update(is_active=False)

    assert marketing.marketing_digest_send_one(recipients[0], courses[1]) is False
    assert mailoutbox == []


def test_a_withdrawal_during_a_run_stops_that_email_and_counts_as_left_out(courses, mailoutbox):
    stays, leaves = UserFactory(), UserFactory()
    grant(stays)
    grant(leaves)
    select = marketing.marketing_digest_recipients

    def select_then_withdraw():
        selected = select()
        withdraw(leaves)  # e.g. an unsubscribe click while the run is under way
        return selected

    with mock.patch.object(marketing, "marketing_digest_recipients", select_then_withdraw):
        output = send_digest()

    assert [message.to for message in mailoutbox] == [[stays.email]]
    run = ProcessingRun.objects.get()
    assert (run.included, run.excluded) == (1, 1)
    assert "Sent the digest to 1 learner(s); 1 left out" in output


def test_the_digest_lists_the_newest_courses_and_nothing_about_anyone(courses, mailoutbox):
    old, new = courses
    learners = [UserFactory(username=name) for name in ("amara", "bjorn", "chiara")]
    for learner in learners:
        learner.profile.full_name = f"{learner.username.title()} Fullname"
        learner.profile.save(update_fields=["full_name"])
        grant(learner)

    send_digest(courses=3)

    assert len(mailoutbox) == 3
    for learner, message in zip(learners, mailoutbox, strict=True):
        html = message.alternatives[0].content
        assert message.to == [learner.email]
        assert message.subject == "New courses on Learner Portal"
        for part in (message.body, html):
            assert part.startswith("Hello,") or "<p>Hello,</p>" in part
            assert all(course.title in part for course in new)
            assert old.title not in part
            for anyone in learners:  # not even the recipient's own name or address
                assert anyone.email not in part
                assert anyone.profile.full_name not in part
                assert anyone.username not in part


def test_each_email_has_rfc_8058_one_click_headers_and_a_visible_link(courses, mailoutbox):
    learner = UserFactory()
    grant(learner)

    send_digest()

    message = mailoutbox[0]
    headers = message.message()
    link = headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://testserver/privacy/unsubscribe/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    assert link in message.alternatives[0].content
    assert marketing.unsubscribe_token_read(link.rsplit("/", 2)[-2]).user == learner


def test_the_unsubscribe_header_leaves_on_one_line_without_encoded_words(courses, mailoutbox, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    learner = UserFactory()
    grant(learner)

    send_digest()

    wire = mailoutbox[0].message(policy=email.policy.SMTP).as_bytes().decode()  # what the SMTP backend sends
    (line,) = [line for line in wire.split("\r\n") if line.startswith("List-Unsubscribe:")]
    prefix = "List-Unsubscribe: <https://portal.example.org/privacy/unsubscribe/"
    assert line.startswith(prefix) and line.endswith("/>")
    assert marketing.unsubscribe_token_read(line.removeprefix(prefix).removesuffix("/>")).user == learner
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in wire
    assert "=?utf-8?" not in wire


def test_an_empty_catalogue_sends_and_records_nothing(mailoutbox):
    grant(UserFactory())

    assert send_digest().strip() == "The catalogue has no courses: nothing sent."
    assert mailoutbox == []
    assert not ProcessingRun.objects.exists()


# The unsubscribe link.


@pytest.fixture
def subscriber():
    user = UserFactory()
    grant(user)
    return user


@pytest.fixture
def mail_client():
    """A client like a mail provider's: no session, no cookies, CSRF checks enforced."""
    return Client(enforce_csrf_checks=True)


def unsubscribe_path(user, purpose="marketing_email"):
    return f"/privacy/unsubscribe/{marketing.unsubscribe_token(user, purpose)}/"


def test_opening_the_link_asks_before_changing_anything(client, subscriber):
    response = client.get(unsubscribe_path(subscriber))

    page = response.content.decode()
    assert response.status_code == 200
    assert ">Unsubscribe</button>" in page
    assert "Send me news about courses by email." in page
    assert subscriber.email not in page and subscriber.username not in page
    assert may_process(subscriber, "marketing_email")
    assert Consent.objects.filter(user=subscriber).count() == 1


def test_the_button_withdraws_consent_without_signing_in(client, subscriber):
    response = client.post(unsubscribe_path(subscriber))

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert not may_process(subscriber, "marketing_email")
    latest = Consent.objects.filter(user=subscriber).first()
    assert (latest.granted, latest.source, latest.actor) == (False, Consent.Source.UNSUBSCRIBE, subscriber)


def test_a_mail_clients_one_click_post_works_without_a_csrf_token_and_repeats_harmlessly(mail_client, subscriber):
    path = unsubscribe_path(subscriber)
    for _ in range(2):
        response = mail_client.post(
            path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200

    assert not may_process(subscriber, "marketing_email")
    assert list(Consent.objects.filter(user=subscriber).values_list("granted", "source")) == [
        (False, "unsubscribe"),
        (True, "settings"),
    ]


def test_a_link_names_its_purpose(client, subscriber):
    grant(subscriber, "research")

    client.post(unsubscribe_path(subscriber, "research"))

    assert not may_process(subscriber, "research")
    assert may_process(subscriber, "marketing_email")


@pytest.mark.parametrize(
    "make_token",
    [
        lambda user: marketing.unsubscribe_token(user)[:-2] + "xx",
        lambda user: signing.dumps({"u": user.pk, "p": "marketing_email"}),  # signed, but not with our salt
        lambda user: signing.dumps({"u": user.pk, "p": "sell_my_data"}, salt=marketing.UNSUBSCRIBE_TOKEN_SALT),
        lambda user: signing.dumps({"u": str(user.pk), "p": "marketing_email"}, salt=marketing.UNSUBSCRIBE_TOKEN_SALT),
        lambda user: "not-a-token",
    ],
    ids=["tampered", "other-salt", "unknown-purpose", "malformed-user", "garbage"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_explains_itself_and_changes_nothing(client, subscriber, make_token, method):
    response = getattr(client, method)(f"/privacy/unsubscribe/{make_token(subscriber)}/")

    page = response.content.decode()
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in page
    assert "Nothing was changed." in page
    assert "Learner Portal" in page  # our base template
    assert may_process(subscriber, "marketing_email")


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_explains_itself_and_changes_nothing(client, subscriber, method):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=61)):
        path = unsubscribe_path(subscriber)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=59)):
        still_valid = unsubscribe_path(subscriber)

    response = getattr(client, method)(path)

    assert response.status_code == 410
    assert "This unsubscribe link no longer works" in response.content.decode()
    assert may_process(subscriber, "marketing_email")
    assert client.get(still_valid).status_code == 200


def test_a_link_of_an_erased_account_is_gone(client):
    user = UserFactory()
    path = unsubscribe_path(user)
    user.delete()

    assert client.post(path).status_code == 410
