"""Signing up: a sign-up is confirmed by a link emailed to its address before the account is made.

The sign-up form answers the same whether the address has an account or not, so that
nobody learns from it which addresses are registered (GDPR Art. 5(1)(f), 32(1)):
a new address gets a link that makes the account; a taken address's owner is told
that someone tried, with links to sign in or reset the password. Both answers do the
same work (hash the password, send one email after the commit), so that they also
take about as long.

Usernames are public handles (a learner's profile address), so a taken username is
still reported on the form, as big sites do; only addresses are kept secret.
"""

import datetime
import logging
import secrets
import smtplib

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, gettext_noop

from learnerportal.counters import cache_increment

from .. import conf
from ..exceptions import SignupEmailTaken, SignupLinkInvalid, SignupUsernameUnavailable
from ..languages import in_language_and_time_zone_of
from ..models import SignupConfirmation, User, signup_token_digest
from .users import user_create

#: The subjects of the two emails a sign-up sends, one of them to each address.
SIGNUP_CONFIRM_SUBJECT = gettext_noop("Finish creating your Learner Portal account")
SIGNUP_TAKEN_SUBJECT = gettext_noop("Someone tried to create a Learner Portal account with your address")

logger = logging.getLogger(__name__)


def _absolute(path):
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _signup_email_allowed(email):
    """Count one sign-up email to ``email`` and return whether it is within ``ACCOUNTS_SIGNUP_EMAILS_PER_ADDRESS``."""
    # The key is a keyed hash of the address: the cache holds no address.
    digest = salted_hmac("accounts.signup-emails", email.lower(), algorithm="sha256").hexdigest()
    key = f"accounts:signup-emails:{digest}"
    sent = cache_increment(key, timeout=conf.SIGNUP_EMAILS_WINDOW_SECONDS)
    return sent <= conf.SIGNUP_EMAILS_PER_ADDRESS


def _send_after_commit(*, subject, template, context, email):
    """Write one sign-up email in the active language (the visitor's page's) and send it after the commit."""
    subject = gettext(subject)
    body = render_to_string(template, context)
    # Straight after the commit, not through the task queue: the link is not stored anywhere.
    transaction.on_commit(lambda: _send(subject, body, email))


def _send(subject, body, email):
    """Send one sign-up email; a mail server that fails is logged, and the visitor may sign up again.

    The answer stays the same for a new and a taken address, and never a server error.
    """
    try:
        send_mail(subject, body, None, [email])
    except (smtplib.SMTPException, OSError) as error:
        # SECURITY: an SMTP error names the recipient's address; only its kind is logged.
        logger.error("A sign-up email could not be sent (%s).", type(error).__name__)


@transaction.atomic
def signup_request(*, username, email, password):
    """Start a sign-up: email ``email`` a link that makes the account, or tell its owner when it has one.

    The caller answers the same in both cases ("check your email"), so the form does not
    reveal which addresses have an account (GDPR Art. 5(1)(f), 32(1)). Nothing is sent,
    and the answer is still the same, once ``ACCOUNTS_SIGNUP_EMAILS_PER_ADDRESS`` emails
    went to the address within ``ACCOUNTS_SIGNUP_EMAILS_WINDOW_SECONDS``. Expired
    sign-ups are deleted on the way.

    Args:
        username: the chosen username, already checked by the form (format, reserved, taken).
        email: the address, normalised (``UserManager.normalize_email``).
        password: the raw password, already checked by the password validators; stored
            only as its hash, until the link is used or expires.

    Returns:
        None: the caller must not branch on what happened.
    """
    # SECURITY: both branches hash the password, prune and send one email after the commit,
    # so that the answer takes about as long for a taken address as for a new one.
    password_hash = make_password(password)
    now = timezone.now()
    signup_confirmations_prune(now=now)
    owner = User.objects.filter(email__iexact=email).first()
    if not _signup_email_allowed(email):
        return
    if owner is not None:
        context = {
            "sign_in_url": _absolute(reverse("accounts:login")),
            "reset_url": _absolute(reverse("accounts:password_reset")),
        }
        with in_language_and_time_zone_of(owner):  # the owner's language, not the visitor's
            _send_after_commit(
                subject=SIGNUP_TAKEN_SUBJECT,
                template="accounts/email/signup_taken.txt",
                context=context,
                email=owner.email,
            )
        return
    token = secrets.token_urlsafe(32)
    seconds = conf.SIGNUP_CONFIRMATION_SECONDS
    pending = SignupConfirmation(
        digest=signup_token_digest(token),
        username=username,
        email=email,
        password=password_hash,
        created_at=now,
        expires_at=now + datetime.timedelta(seconds=seconds),
    )
    pending.full_clean()
    pending.save()
    context = {
        "confirm_url": _absolute(reverse("accounts:signup_confirm", args=[token])),
        "hours": seconds // 3600,
        "username": username,
    }
    _send_after_commit(
        subject=SIGNUP_CONFIRM_SUBJECT, template="accounts/email/signup_confirm.txt", context=context, email=email
    )


@transaction.atomic
def signup_confirm(*, token, language=""):
    """Make the account a sign-up link stands for, once, and return it.

    The link proves that its holder reads the address; using it deletes every sign-up
    waiting with that address (one address, one account).

    Args:
        token: the token from the link.
        language: the language the sign-up's pages were in (a code of ``settings.LANGUAGES``):
            kept as the learner's language when it is not the platform's, so that what is
            written to them away from a page (emails, reports) is in it too; "" keeps none.

    Returns:
        the new ``User``, active, its password the one chosen at sign-up, its profile
        entirely private (GDPR Art. 25(2)).

    Raises:
        SignupLinkInvalid: the token is unknown (cut short, changed), used or expired.
        SignupEmailTaken: the address got an account since (another link to it was used).
        SignupUsernameUnavailable: the username was taken since, or may no longer be chosen
            (it now reads like a staff member's); the learner signs up again with another.
    """
    digest = signup_token_digest(token)
    email = SignupConfirmation.objects.filter(digest=digest).values_list("email", flat=True).first()
    if email is None:
        raise SignupLinkInvalid("This link is not valid.")
    # SECURITY: lock every sign-up of the address, in one order, so that two links to it
    # used at once make one account; the second finds its sign-up gone.
    waiting = list(SignupConfirmation.objects.select_for_update().filter(email__iexact=email).order_by("pk"))
    pending = next((row for row in waiting if row.digest == digest), None)
    if pending is None or pending.expires_at <= timezone.now():
        raise SignupLinkInvalid("This link is not valid.")
    if User.objects.filter(email__iexact=pending.email).exists():
        raise SignupEmailTaken("An account with this address exists.")
    try:
        with transaction.atomic():
            user = user_create(username=pending.username, email=pending.email, password=None)
    except ValidationError as error:
        raise SignupUsernameUnavailable("That username can no longer be chosen.") from error
    except IntegrityError as error:  # taken by an account made at this very moment
        raise SignupUsernameUnavailable("That username can no longer be chosen.") from error
    user.password = pending.password
    user.save(update_fields=["password"])
    if language in dict(settings.LANGUAGES) and language != settings.LANGUAGE_CODE:
        user.profile.language = language
        user.profile.save(update_fields=["language", "updated_at"])
    SignupConfirmation.objects.filter(pk__in=[row.pk for row in waiting]).delete()
    return user


def signup_confirmations_prune(*, now=None):
    """Delete the sign-ups whose link expired (GDPR Art. 5(1)(e)).

    Args:
        now: the time to compare with (default: now).

    Returns:
        int: how many were deleted.
    """
    deleted, _ = SignupConfirmation.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
