"""Every kind of email a learner gets, rendered for one who chose Spanish: no English, dates in Spanish, zone named.

Each email is sent as the portal sends it (services, then the work they leave for after the commit),
in the platform's language: the recipient's choice must decide, not whoever's request caused it.
The text and the HTML parts are read alike.
"""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.test import Client

from accounts.models import Profile
from accounts.services import sign_in_change_tell
from learnerportal.tests.factories import CourseFactory
from privacy.marketing import marketing_digest_email
from rights_requests import services

pytestmark = pytest.mark.django_db

#: English words a Spanish email never needs (addresses, links and references aside).
ENGLISH = re.compile(r"\b(the|your|you|with|and|when|request|is|are|we|our|data|hello|team)\b", re.I)
#: A Wednesday afternoon in Madrid; in Mexico City, where the learner lives, it is still the morning.
NOW = datetime.datetime(2026, 3, 11, 15, 30, tzinfo=datetime.UTC)


def readable(message):
    """Return the subject, the text body and the HTML part's text of ``message``, without links and addresses."""
    html = "".join(content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html")
    html = re.sub(r"<(style|head)\b.*?</\1>", " ", html, flags=re.S)
    text = "\n".join([message.subject, message.body, unescape(re.sub(r"<[^>]+>", " ", html))])
    return re.sub(r"https?://\S+|\S+@\S+|DSR-\d{4}-\d+|Learner Portal", " ", text)


@pytest.fixture
def spanish(learner):
    Profile.objects.filter(user=learner).update(language="es", timezone="America/Mexico_City")
    learner.profile.refresh_from_db()
    return learner


def test_every_email_about_a_request_reads_in_spanish_with_dates_in_her_zone(
    spanish, officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        erasure = services.request_submit(actor=spanish, subject=spanish, request_type="erasure", details={})
        services.request_extend(actor=officer, request=erasure, months=1, reason="Muchos registros que revisar.")
        services.request_reject(actor=officer, request=erasure, reason="No podemos verificar la cuenta.")
        rectification = services.request_submit(
            actor=spanish, subject=spanish, request_type="rectification", details={"changes": {"full_name": "N. H."}}
        )
        services.request_approve(actor=officer, request=rectification)
        objection = services.request_submit(
            actor=spanish, subject=spanish, request_type="objection", details={"purposes": ["research"], "note": ""}
        )
        services.request_submit(actor=spanish, subject=spanish, request_type="access", details={})
        restriction = services.request_submit(
            actor=spanish, subject=spanish, request_type="restriction", details={"reason": "Compruébalo, por favor."}
        )
        services.request_approve(actor=officer, request=restriction)
        portability = services.request_submit(actor=spanish, subject=spanish, request_type="portability", details={})
        del objection, portability

    subjects = [message.subject for message in mail.outbox]
    english = {
        message.subject: sorted({word.lower() for word in ENGLISH.findall(readable(message))})
        for message in mail.outbox
        if ENGLISH.search(readable(message))
    }

    assert len(mail.outbox) >= 8, subjects
    assert english == {}
    assert all(message.to == [spanish.email] for message in mail.outbox)
    extended = next(message for message in mail.outbox if "más tiempo" in message.subject)
    assert "11 de mayo de 2026" in extended.body, "the new deadline in Spanish words"
    done = next(message for message in mail.outbox if "copia de tus datos" in message.body and "CST" in message.body)
    assert "18 de marzo de 2026, 09:30 CST" in done.body, "the download's end in her time zone, the zone named"


def test_the_sign_in_notices_and_the_digest_read_in_spanish(spanish, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_in_change_tell(user=spanish, what="The password of your Learner Portal account was changed.")
    digest = marketing_digest_email(spanish, [CourseFactory(title="Estadística sin lágrimas")])

    notice = mail.outbox[-1]
    assert ENGLISH.findall(readable(notice)) == [], readable(notice)
    assert ENGLISH.findall(readable(digest).replace("Estadística sin lágrimas", "")) == [], readable(digest)


def test_the_account_and_restriction_emails_read_in_spanish_whoever_caused_them(
    spanish, officer, django_capture_on_commit_callbacks
):
    """Sign-up with her address, a password reset asked from an English browser, a restriction lifted, her erasure."""
    english = Client(headers={"accept-language": "en-GB"})
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        english.post(
            "/accounts/signup/",
            {
                "username": "someone",
                "email": spanish.email,
                "password1": "a-long-new-pass",
                "password2": "a-long-new-pass",
            },
        )
        english.post("/accounts/password/reset/", {"email": spanish.email})
        restriction = services.request_submit(
            actor=spanish, subject=spanish, request_type="restriction", details={"reason": "Compruébalo."}
        )
        services.request_approve(actor=officer, request=restriction)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.request_lift_ask(actor=spanish, request=restriction)
        services.request_lift(actor=officer, request=restriction)
        erasure = services.request_submit(actor=spanish, subject=spanish, request_type="erasure", details={})
        services.request_approve(actor=officer, request=erasure)

    english_words = {
        message.subject: sorted({word.lower() for word in ENGLISH.findall(readable(message))})
        for message in mail.outbox
        if ENGLISH.search(readable(message))
    }

    assert len(mail.outbox) >= 6, [message.subject for message in mail.outbox]
    assert english_words == {}
