"""Emails about requests an agent or parent filed for a learner: to the learner, and to the filer.

The learner, in their language and time zone: who filed (the address they verified, and the name
they typed, quoted as theirs: ``agents.agent_name_clean`` keeps it a name), for what, that nothing
happens before staff verified both the filer and them, and the link to object (Cal. Code Regs. tit. 11 §7063(a)(3):
the learner confirms, or denies, the permission directly with the business). The filer, in the
language of the form, at the address they verified: the outcome, never the learner's data (their
results go to the learner's account, ``agents``). Built here, sent by ``tasks``.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.languages import in_language_and_time_zone_of

from . import conf
from .models import Filer, RequestEvent
from .notifications import FILER_IN_WORDS
from .public_links import objection_url
from .regime_rights import citation_of, complaint_of
from .request_types import handler_for

logger = logging.getLogger(__name__)

#: The steps of a request filed for a learner whose outcome its filer is told.
AGENT_TOLD = (
    RequestEvent.Action.REJECTED,
    RequestEvent.Action.COMPLETED,
    RequestEvent.Action.WITHDRAWN,
    RequestEvent.Action.OBJECTED,
)


def filed_for_you_email(public_request):
    """Return the email telling a learner that an agent or parent filed a request for them, with the objection link.

    Args:
        public_request: a filed ``PublicRequest`` for someone, with ``subject`` and ``rights_request``.

    Returns:
        ``EmailMessage`` (plain text) to the account's address.
    """
    rights_request = public_request.rights_request
    learner = public_request.subject
    with in_language_and_time_zone_of(learner):
        context = {
            "filing": public_request,
            # The name is what the filer typed: quoted, after the address they verified, never as our words.
            "filer_kind": FILER_IN_WORDS[public_request.filed_by],
            "by_parent": public_request.filed_by == Filer.PARENT,  # a child authorises no parent: worded apart
            "right": handler_for(public_request.type).title,
            "article": citation_of(rights_request),
            "request": rights_request,
            "joined": rights_request.filed_by != public_request.filed_by,
            "object_url": objection_url(public_request),
            "link_days": conf.OBJECTION_LINK_DAYS,
            "page_url": settings.PORTAL_BASE_URL.rstrip("/")
            + reverse("rights_requests:detail", args=[rights_request.pk]),
        }
        subject = _("Someone asked us about your data on your behalf (%(reference)s)") % {
            "reference": rights_request.reference
        }
        body = render_to_string("rights_requests/email/filed_for_you.txt", context)
    return EmailMessage(subject=subject, body=body, to=[learner.email])


def agent_outcome_email(public_request, event):
    """Return the email telling the agent or parent how the request they filed for a learner ended.

    Args:
        public_request: their ``PublicRequest``; event: a ``RequestEvent`` of ``AGENT_TOLD``.

    Returns:
        ``EmailMessage`` (plain text) to the address they verified, in the language of the form.
    """
    rights_request = event.request
    with translation.override(public_request.language):
        context = {
            "filing": public_request,
            "event": event,
            # The right in neutral words ("Access"): the learner's own ("Get a copy of your data") misleads the filer.
            "right": handler_for(rights_request.type).name,
            "request": rights_request,
            "complaint": complaint_of(rights_request),
        }
        subject = _("The request you filed for someone else: %(reference)s") % {"reference": rights_request.reference}
        body = render_to_string("rights_requests/email/agent_outcome.txt", context)
    return EmailMessage(subject=subject, body=body, to=[public_request.email])


def agent_refusal_email(public_request):
    """Return the reply to an agent or parent whose authority staff could not verify (the learner has no account).

    It says nothing of whether an account exists. Cal. Code Regs. tit. 11 §7063(b).
    """
    with translation.override(public_request.language):
        subject = _("Your request for someone else: we could not verify your authority")
        body = render_to_string(
            "rights_requests/email/agent_refused.txt",
            {"filing": public_request, "right": handler_for(public_request.type).name},
        )
    return EmailMessage(subject=subject, body=body, to=[public_request.email])


def send_quietly(message):
    """Send ``message``; a mail server that fails is logged by the error's kind only (its message names the address)."""
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        logger.error("An email to an agent or parent could not be sent (%s).", type(error).__name__)
