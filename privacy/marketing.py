"""Marketing email: the "new courses" digest and its one-click unsubscribe links.

Only learners for whom ``may_process(user, "marketing_email")`` is True get the
digest, and the gate is asked again just before each email leaves, so a
withdrawal, restriction or objection made while a run is in progress still
stops that learner's email (GDPR Art. 7(3), 18, 21(3)).
"""

import datetime
import email.policy
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from accounts.languages import in_language_and_time_zone_of
from accounts.selectors import courses_newest
from compliance.registry import Purpose

from .exceptions import UnsubscribeLinkError, UnsubscribeLinkExpired
from .models import CONSENT_PURPOSES, ProcessingRun
from .selectors import may_process
from .services import processing_run_record

MARKETING_PURPOSE = Purpose.MARKETING_EMAIL
DIGEST_SUBJECT = gettext_lazy("New courses on Learner Portal")
#: How many of the newest courses a digest lists.
DIGEST_COURSE_COUNT = 5
#: How long an unsubscribe link keeps working after the email was sent.
UNSUBSCRIBE_TOKEN_MAX_AGE = datetime.timedelta(days=60)
# SECURITY: a salt of its own, so no other signed value of the portal can pass as an unsubscribe token.
UNSUBSCRIBE_TOKEN_SALT = "privacy.marketing.unsubscribe"  # noqa: S105 - a namespace, not a secret


class OneClickUnsubscribeEmail(EmailMultiAlternatives):
    """An email whose ``List-Unsubscribe`` header reaches mail clients on one line, as written.

    Python's email package folds any header line longer than 78 characters; a
    URI without spaces can only be folded by turning it into RFC 2047 encoded
    words, which mail clients (Gmail among them) do not decode in
    ``List-Unsubscribe``, so the one-click button would silently disappear
    (RFC 2369 §2, RFC 8058 §3.1). Headers may be up to 998 characters long
    (RFC 5322 §2.1.1), so the message is written with that limit instead.
    """

    def message(self, *, policy=email.policy.default):
        msg = super().message(policy=policy)
        msg.policy = msg.policy.clone(max_line_length=998)
        return msg


@dataclass(frozen=True)
class Unsubscription:
    """What a valid unsubscribe link names: the data subject and the purpose to withdraw."""

    user: object
    purpose: str


def unsubscribe_token(user, purpose=MARKETING_PURPOSE):
    """Return a signed, timestamped token naming ``user`` and ``purpose``, for an unsubscribe link.

    The token holds the user's id and the purpose key only (no address) and is
    signed with ``SECRET_KEY`` and its own salt (``django.core.signing``).

    Args:
        user: the data subject.
        purpose: a key of ``CONSENT_PURPOSES``.

    Returns:
        str, URL-safe.
    """
    return signing.dumps({"u": user.pk, "p": purpose}, salt=UNSUBSCRIBE_TOKEN_SALT)


def unsubscribe_url(user, purpose=MARKETING_PURPOSE):
    """Return the absolute one-click unsubscribe URL for ``user`` and ``purpose`` (``PORTAL_BASE_URL``)."""
    path = reverse("privacy:unsubscribe", args=[unsubscribe_token(user, purpose)])
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def unsubscribe_token_read(token):
    """Return what an unsubscribe token names, if it is genuine and not older than 60 days.

    Args:
        token: the token from the link.

    Returns:
        ``Unsubscription``.

    Raises:
        UnsubscribeLinkExpired: older than ``UNSUBSCRIBE_TOKEN_MAX_AGE``, or its
            account no longer exists.
        UnsubscribeLinkError: the signature or contents are wrong.
    """
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_TOKEN_SALT, max_age=UNSUBSCRIBE_TOKEN_MAX_AGE)
    except signing.SignatureExpired as error:
        raise UnsubscribeLinkExpired(gettext("This unsubscribe link has expired.")) from error
    except signing.BadSignature as error:
        raise UnsubscribeLinkError(gettext("This unsubscribe link is not valid.")) from error
    if not isinstance(data, dict) or data.get("p") not in CONSENT_PURPOSES or not isinstance(data.get("u"), int):
        raise UnsubscribeLinkError(gettext("This unsubscribe link is not valid."))
    user = get_user_model().objects.filter(pk=data["u"]).first()
    if user is None:
        raise UnsubscribeLinkExpired(gettext("This unsubscribe link no longer works."))
    return Unsubscription(user=user, purpose=data["p"])


def marketing_digest_email(user, courses):
    """Return the digest email to ``user``: the newest courses and a one-click unsubscribe link.

    Carries no personal data beyond the address it goes to: the greeting is a
    plain "Hello". Headers follow RFC 8058 (``List-Unsubscribe`` with an HTTPS
    URI in production, and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``)
    and RFC 2369.

    Args:
        user: the recipient; the caller has checked the gate.
        courses: the ``Course`` objects to list (``partner`` loaded).

    Returns:
        ``OneClickUnsubscribeEmail`` (plain text with an HTML alternative).
    """
    link = unsubscribe_url(user)
    context = {
        "courses": courses,
        "unsubscribe_url": link,
        "portal_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("home"),
        "consents_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("privacy:settings") + "#consents",
    }
    with in_language_and_time_zone_of(user):
        subject = str(DIGEST_SUBJECT)
        text = render_to_string("privacy/email/marketing_digest.txt", context)
        html = render_to_string("privacy/email/marketing_digest.html", context)
    message = OneClickUnsubscribeEmail(
        subject=subject,
        body=text,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def marketing_digest_send_one(user, courses):
    """Send the digest to ``user`` only if the gate still allows it at this moment.

    Re-reads the account first, so a deactivation since the learner was
    selected counts too; then asks ``may_process`` again (GDPR Art. 7(3):
    a withdrawal takes effect at once, also for a run already under way).

    Returns:
        bool: True when the email was sent, False when the gate refused.
    """
    user = get_user_model().objects.select_related("profile").filter(pk=user.pk).first()
    if user is None or not may_process(user, MARKETING_PURPOSE):
        return False
    marketing_digest_email(user, courses).send()
    return True


def marketing_digest_recipients():
    """Return the accounts the gate allows the digest for now, and how many it left out.

    Every account is a candidate; ``may_process(user, "marketing_email")``
    alone decides.

    Returns:
        ``(recipients, excluded)``: list of users, int.
    """
    recipients, excluded = [], 0
    for user in get_user_model().objects.order_by("pk").iterator():
        if may_process(user, MARKETING_PURPOSE):
            recipients.append(user)
        else:
            excluded += 1
    return recipients, excluded


def marketing_digest_send(*, course_count=DIGEST_COURSE_COUNT):
    """Send the "new courses" digest to every learner the gate allows, and record the run.

    Selects recipients, then sends one by one, asking the gate again for each
    (``marketing_digest_send_one``). The run is recorded as a ``ProcessingRun``
    (``MARKETING_DIGEST``, no actor: a scheduled job) with counts only:
    ``included`` learners emailed, ``excluded`` learners the gate left out at
    selection or at send time. The counts are saved even when sending stops
    half-way, so what was sent stays accounted for (GDPR Art. 5(2)).

    Args:
        course_count: how many of the newest courses to list (int > 0).

    Returns:
        the ``ProcessingRun``, or None when the catalogue is empty (nothing sent or recorded).
    """
    courses = courses_newest(limit=course_count)
    if not courses:
        return None
    recipients, excluded = marketing_digest_recipients()
    run = processing_run_record(
        kind=ProcessingRun.Kind.MARKETING_DIGEST, actor=None, parameters={"courses": len(courses)}, excluded=excluded
    )
    try:
        for user in recipients:
            if marketing_digest_send_one(user, courses):
                run.included += 1
            else:
                run.excluded += 1
    finally:
        run.save(update_fields=["included", "excluded"])
    return run
