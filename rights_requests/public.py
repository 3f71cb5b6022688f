"""Requests from people who cannot sign in (``/privacy/request/``): an address proved by an emailed code.

The person gives an address, a right and, where the right needs it, a few words. A 6-digit
code goes to the address, whether or not an account has it, and the page answers the same,
so that nobody learns which addresses are registered. Only once the code is typed does the
portal look for the account whose current email is that address (case-insensitive): a found
account gets a ``RightsRequest`` (``services.request_submit_by_email``), whose acknowledgement
tells its owner; without one, the request waits for staff, who answer that we hold no data
about the address. An erasure needs more than the code: the account's password, or the
privacy officer's check of the person's identity. GDPR Art. 12(2), 12(3), 12(6).

Codes are stored as keyed hashes bound to their request, compared in constant time, used once,
valid ``RIGHTS_REQUESTS_PUBLIC_CODE_SECONDS`` for ``RIGHTS_REQUESTS_PUBLIC_CODE_TRIES`` tries;
codes per address and per network are limited across hosts (``learnerportal.counters``).
"""

import datetime
import logging
import secrets
import smtplib

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext

from accounts.services import password_check
from learnerportal.counters import cache_increment

from . import conf
from .agents import agent_filing_clean, require_for_filing
from .authorisations import authorisation_store
from .exceptions import (
    AccountClosed,
    CodeRefused,
    CodeSpent,
    DuplicateOpenRequest,
    InvalidRequestDetails,
    NotPermitted,
    PasswordRefused,
    PublicRequestLimited,
)
from .models import Filer, PublicRequest, PublicRequestEvent, Status
from .permissions import DECIDE_ERASURE, WORK, require
from .public_links import address_digest
from .request_types import handler_for, registered
from .services import request_submit_by_email
from .tasks import send_filed_for_you_email
from .workflow import locked, take_step

logger = logging.getLogger(__name__)

#: Digits in a code.
CODE_DIGITS = 6


def _code_digest(public_request_id, code):
    """Return the keyed hash of ``code`` for the request ``public_request_id``: a code works for its request only."""
    return salted_hmac("rights_requests.public-code", f"{public_request_id}:{code}", algorithm="sha256").hexdigest()


def _admit(*, email, limit_key):
    """Count one code to ``email`` from the network ``limit_key``.

    Raises:
        PublicRequestLimited: over ``PUBLIC_CODES_PER_ADDRESS`` or ``PUBLIC_CODES_PER_NETWORK`` in the window.
    """
    window = conf.PUBLIC_CODES_WINDOW_SECONDS
    # The keys are keyed hashes and networks: the cache holds no address.
    from_network = cache_increment(f"rr:public-codes:network:{limit_key or 'unknown'}", timeout=window)
    to_address = cache_increment(f"rr:public-codes:address:{address_digest(email)}", timeout=window)
    if from_network > conf.PUBLIC_CODES_PER_NETWORK or to_address > conf.PUBLIC_CODES_PER_ADDRESS:
        minutes = window // 60
        raise PublicRequestLimited(
            ngettext(
                "We have sent as many codes as we can for now. Try again in %(minutes)s minute.",
                "We have sent as many codes as we can for now. Try again in %(minutes)s minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )


def _new_code(public_request, *, now):
    """Give ``public_request`` a fresh code (its hash saved, tries reset) and email it after the commit."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    public_request.code_digest = _code_digest(public_request.pk, code)
    public_request.code_expires_at = now + datetime.timedelta(seconds=conf.PUBLIC_CODE_SECONDS)
    public_request.code_attempts = 0
    public_request.save(update_fields=["code_digest", "code_expires_at", "code_attempts"])
    handler = handler_for(public_request.type)
    with translation.override(public_request.language):
        subject = _("Your Learner Portal code: confirm your data-rights request")
        body = render_to_string(
            "rights_requests/email/public_code.txt",
            {
                "code": code,
                "minutes": conf.PUBLIC_CODE_SECONDS // 60,
                # For an agent or parent, the right in neutral words ("Access"), as their outcome email names it.
                "right": (handler.name if public_request.for_someone else handler.title),
                "for_someone": public_request.for_someone,
            },
        )
    email = public_request.email
    # Straight after the commit, not through the task queue: the code is stored nowhere in plain text.
    transaction.on_commit(lambda: _send(subject, body, email))


def _send(subject, body, email):
    """Send one email; a mail server that fails is logged by the error's kind only (it names the address)."""
    try:
        send_mail(subject, body, None, [email])
    except (smtplib.SMTPException, OSError) as error:
        logger.error("An email to a person without an account could not be sent (%s).", type(error).__name__)


def _clean(request_type, text, purposes):
    """Return the details of a new request of ``request_type`` from the form's words, checked by its handler.

    Raises:
        InvalidRequestDetails: naming the key (``handler.public_text_key``, "purposes", "type").
    """
    if request_type not in {handler.type for handler in registered()}:
        raise InvalidRequestDetails(_("Choose one of the rights listed."), field="type")
    handler = handler_for(request_type)
    return handler.clean_details({handler.public_text_key: text, "purposes": list(purposes or [])}, subject=None)


@transaction.atomic
def public_request_start(
    *,
    email,
    request_type,
    text="",
    purposes=(),
    limit_key,
    language,
    filed_by=Filer.SUBJECT,
    agent_name="",
    learner_email="",
    authorisation=None,
):
    """Take a request from someone who cannot sign in and email a code to ``email``.

    The same work and the same one email whether or not an account has the address
    (no account is looked up here), so the answer does not tell (GDPR Art. 5(1)(f)).
    Unconfirmed requests older than ``PUBLIC_UNVERIFIED_SECONDS`` are deleted on the way.
    An authorised agent or a parent filing for a learner (``agents``) gives their own
    address as ``email`` and the learner's, with a signed authorisation, stored encrypted.

    Args:
        email: the address, already checked by the form.
        request_type: a registered type. text: the free text the type takes (its
            ``public_text_key``). purposes: for a type that takes them (an objection).
        limit_key: the client's network (``learnerportal.addresses.client_limit_key``).
        language: the language the form was filled in (a code of ``settings.LANGUAGES``).
        filed_by: a ``Filer``; for an agent or parent also ``agent_name``, ``learner_email`` and
            ``authorisation`` (an uploaded file).

    Returns:
        the new ``PublicRequest``, ``unverified``.

    Raises:
        InvalidRequestDetails (``errors`` names every wrong field), PublicRequestLimited.
    """
    now = timezone.now()
    public_requests_prune(now=now)
    errors, details, filer = {}, None, None
    try:
        details = _clean(request_type, text, purposes)
    except InvalidRequestDetails as error:
        errors.update(error.errors)
    try:
        filer = agent_filing_clean(
            filed_by=filed_by,
            agent_name=agent_name,
            learner_email=learner_email,
            email=email,
            authorisation=authorisation,
        )
    except InvalidRequestDetails as error:
        errors.update(error.errors)
    if errors:
        field = next(iter(errors))
        raise InvalidRequestDetails(errors[field], field=field, errors=errors)
    _admit(email=email, limit_key=limit_key)
    public_request = PublicRequest(
        email=email, type=request_type, details=details, language=language, created_at=now, **filer
    )
    public_request.full_clean(exclude=["code_digest"])
    public_request.save(force_insert=True)
    _new_code(public_request, now=now)
    if public_request.for_someone:
        authorisation_store(public_request=public_request, uploaded=authorisation)  # last: see its docstring
    return public_request


@transaction.atomic
def public_request_code_renew(*, public_request, limit_key):
    """Email a new code for ``public_request`` (still unconfirmed); the old one stops working.

    Raises:
        CodeSpent: the request is no longer waiting for a code, or was deleted.
        PublicRequestLimited.
    """
    public_request = _locked_unverified(public_request)
    _admit(email=public_request.email, limit_key=limit_key)
    _new_code(public_request, now=timezone.now())
    return public_request


def _locked_unverified(public_request):
    row = PublicRequest.objects.select_for_update().filter(pk=public_request.pk).first()
    if row is None or row.status != PublicRequest.Status.UNVERIFIED:
        raise CodeSpent(_("This request is no longer waiting for a code. Start again from the form."))
    return row


def public_request_verify(*, public_request, code):
    """Check the code typed for ``public_request``; right, file the request for the address's account, if any.

    A code works once, within ``PUBLIC_CODE_SECONDS``, for ``PUBLIC_CODE_TRIES`` tries; a wrong
    try is counted even though it is refused.

    Returns:
        the ``PublicRequest``: ``filed`` (with ``rights_request``; an erasure's waits in
        ``awaiting_verification`` for the password or staff) or ``no_account``.

    Raises:
        CodeRefused: wrong code, ``tries_left`` > 0. CodeSpent: expired, used, or no tries left.
    """
    public_request, refusal = _verify(public_request, code)
    if refusal is not None:
        raise refusal
    return public_request


@transaction.atomic
def _verify(public_request, code):
    """Do ``public_request_verify``'s work; return ``(public_request, None)`` or ``(None, the refusal)``."""
    public_request = _locked_unverified(public_request)
    now = timezone.now()
    spent = CodeSpent(_("This code no longer works. Ask for a new code."))
    if not public_request.code_digest or public_request.code_expires_at <= now:
        return None, spent
    if public_request.code_attempts >= conf.PUBLIC_CODE_TRIES:
        return None, spent
    typed = "".join(str(code or "").split())
    # SECURITY: compared in constant time; the stored hash is bound to this request.
    if not constant_time_compare(_code_digest(public_request.pk, typed), public_request.code_digest):
        public_request.code_attempts += 1
        public_request.save(update_fields=["code_attempts"])
        tries_left = conf.PUBLIC_CODE_TRIES - public_request.code_attempts
        if tries_left <= 0:
            return None, CodeSpent(_("That code is wrong, and it was the last try. Ask for a new code."))
        message = ngettext(
            "That code is wrong. You can try %(count)s more time.",
            "That code is wrong. You can try %(count)s more times.",
            tries_left,
        )
        return None, CodeRefused(message % {"count": tries_left}, tries_left=tries_left)
    public_request.code_digest = ""  # single use
    public_request.verified_at = now
    PublicRequestEvent.objects.create(public_request=public_request, action=PublicRequestEvent.Action.VERIFIED)
    _file_for_account(public_request)
    public_request.save(update_fields=["code_digest", "verified_at", "status", "subject", "rights_request"])
    return public_request, None


def _file_for_account(public_request):
    """Give the verified ``public_request`` its outcome: a request filed for the address's account, or none found.

    The address is the learner's an agent or parent gave, when they filed for someone; the
    learner is then emailed of it, with the link to object (``agents``).
    """
    account = (
        get_user_model()
        ._default_manager.filter(email__iexact=public_request.subject_email, is_active=True)
        .order_by("pk")
        .first()
    )
    public_request.status = PublicRequest.Status.NO_ACCOUNT
    if account is None:
        return
    handler = handler_for(public_request.type)
    try:
        with transaction.atomic():
            rights_request = request_submit_by_email(
                subject=account,
                request_type=public_request.type,
                details=public_request.details,
                # SECURITY: an erasure cannot be undone; reading the mailbox is not proof enough. Someone
                # else's mailbox proves nothing of the learner: staff verify them (``agents``).
                identity_verified=not handler.requires_recent_password and not public_request.for_someone,
                filed_by=public_request.filed_by,
            )
    except DuplicateOpenRequest as duplicate:
        rights_request = duplicate.existing
    except AccountClosed:
        return
    public_request.status = PublicRequest.Status.FILED
    public_request.subject = account
    public_request.rights_request = rights_request
    if public_request.for_someone:
        pk = str(public_request.pk)
        transaction.on_commit(lambda: send_filed_for_you_email.enqueue(public_request_id=pk))


def needs_password(public_request):
    """Return whether the filed ``public_request`` waits for the account's password (an erasure not yet verified)."""
    rights_request = public_request.rights_request
    return (
        public_request.status == PublicRequest.Status.FILED
        and not public_request.for_someone  # the learner's password is not the filer's to know
        and rights_request is not None
        and rights_request.status == Status.AWAITING_VERIFICATION
        and handler_for(rights_request.type).requires_recent_password
        and public_request.password_attempts < conf.PUBLIC_PASSWORD_TRIES
    )


def public_request_confirm_password(*, http_request, public_request, password):
    """Verify the identity behind an erasure filed without signing in with the account's password.

    Right, the request moves on to the privacy officer's approval (step ``verify``). A wrong
    password is counted even though it is refused: toward ``PUBLIC_PASSWORD_TRIES`` for this
    request (then only staff can verify it), and as a failed sign-in of the account from the
    client's network (``accounts.services.password_check``: django-axes' lockout, the account's
    audit log), so new requests bring no new guesses. While sign-in to the account or from the
    network is paused, every password is refused (not counted toward this request's tries), and
    the lockout page answers. GDPR Art. 12(6), 32(1).

    Args:
        http_request: the HTTP request carrying the password (the lockout counts its client).

    Raises:
        PasswordRefused: wrong, locked out, or no tries left.
    """
    public_request, refusal = _confirm_password(http_request, public_request, password)
    if refusal is not None:
        raise refusal
    return public_request


@transaction.atomic
def _confirm_password(http_request, public_request, password):
    public_request = (
        PublicRequest.objects.select_for_update(of=("self",))
        .select_related("rights_request", "subject")
        .get(pk=public_request.pk)
    )
    if not needs_password(public_request):
        return None, PasswordRefused(_("This request does not wait for a password. Our privacy team will email you."))
    # SECURITY: checked as a sign-in, so the lockout bounds the guesses of every request and of the network.
    if not password_check(http_request, user=public_request.subject, password=password, step="public_request"):
        if getattr(http_request, "axes_locked_out", False):
            return None, PasswordRefused(_("Too many wrong passwords: checking is paused. Try again later."))
        public_request.password_attempts += 1
        public_request.save(update_fields=["password_attempts"])
        if public_request.password_attempts >= conf.PUBLIC_PASSWORD_TRIES:
            return None, PasswordRefused(
                _("That password is wrong, and it was the last try. Our privacy officer will check it is you instead.")
            )
        return None, PasswordRefused(_("That password is wrong."))
    take_step(
        locked(public_request.rights_request),
        "verify",
        actor=None,
        note=gettext_noop("You confirmed the erasure with your account's password."),
    )
    return public_request, None


@transaction.atomic
def public_request_answer_no_data(*, actor, public_request):
    """Answer a "no account found" request that we hold no data about its address, and close it.

    The reply goes to the verified address, in the language of the form.

    To an agent or parent, only once staff verified their authority (``agents``): the answer
    tells whether the learner has an account.

    Raises:
        NotPermitted: not staff who work requests (for an agent's or parent's erasure, not the privacy
        officer: ``agents.require_for_filing``); or the request is not waiting for this answer.
    """
    if public_request.for_someone:
        require_for_filing(actor, public_request, _("answer requests"), pgettext("not allowed to", "answer"))
    else:
        require(actor, WORK, _("answer requests"))
    public_request = PublicRequest.objects.select_for_update().get(pk=public_request.pk)
    if public_request.status != PublicRequest.Status.NO_ACCOUNT:
        raise NotPermitted(_("Only a verified request with no account found can be answered this way."))
    if public_request.for_someone and public_request.authority_verified_at is None:
        raise NotPermitted(
            _(
                "Verify the authority of the agent or parent first, or refuse: this answer tells them "
                "there is no account."
            )
        )
    public_request.status = PublicRequest.Status.ANSWERED
    public_request.closed_at = timezone.now()
    public_request.save(update_fields=["status", "closed_at"])
    PublicRequestEvent.objects.create(
        public_request=public_request, actor=actor, action=PublicRequestEvent.Action.NO_DATA_REPLY
    )
    with translation.override(public_request.language):
        subject = _("Your data-rights request: we hold no data about this address")
        body = render_to_string(
            "rights_requests/email/public_no_data.txt",
            {
                "right": handler_for(public_request.type).title,
                "right_name": handler_for(public_request.type).name,  # neutral, for an agent or parent
                "received": public_request.created_at,
                "filing": public_request,
            },
        )
    email = public_request.email
    transaction.on_commit(lambda: _send(subject, body, email))
    return public_request


@transaction.atomic
def public_request_erase(*, actor, public_request):
    """Delete a request filed without an account, at its author's request (GDPR Art. 17(1)).

    Requests filed for an account are erased with the account's data instead.

    Raises:
        NotPermitted: not the privacy officer, or the request was filed for an account.
    """
    require(actor, DECIDE_ERASURE, _("erase requests made without an account"))
    public_request = PublicRequest.objects.select_for_update().get(pk=public_request.pk)
    if public_request.status == PublicRequest.Status.FILED:
        raise NotPermitted(_("This request was filed for an account: it is erased with the account's data."))
    _delete_with_files(PublicRequest.objects.filter(pk=public_request.pk))


def _delete_with_files(public_requests):
    """Delete the ``public_requests`` and, after the commit, their stored authorisations; return how many went."""
    stored = [name for name in public_requests.values_list("authorisation", flat=True) if name]
    if stored:
        transaction.on_commit(lambda: [default_storage.delete(name) for name in stored])
    return public_requests.delete()[1].get(PublicRequest._meta.label, 0)


def public_requests_prune(*, now=None):
    """Delete what is no longer needed: unconfirmed requests after a day, answered ones after a year.

    ``PUBLIC_UNVERIFIED_SECONDS`` and ``PUBLIC_ANSWERED_DAYS`` (GDPR Art. 5(1)(e)); a signed
    authorisation goes with its request (and long before: ``agents.authorisations_prune``).

    Returns:
        int: how many requests were deleted.
    """
    now = now or timezone.now()
    unverified = PublicRequest.objects.filter(
        status=PublicRequest.Status.UNVERIFIED,
        created_at__lte=now - datetime.timedelta(seconds=conf.PUBLIC_UNVERIFIED_SECONDS),
    )
    answered = PublicRequest.objects.filter(
        status__in=[PublicRequest.Status.ANSWERED, PublicRequest.Status.REFUSED],
        closed_at__lte=now - datetime.timedelta(days=conf.PUBLIC_ANSWERED_DAYS),
    )
    return sum(_delete_with_files(rows) for rows in (unverified, answered))
