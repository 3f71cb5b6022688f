"""Passkeys (WebAuthn, through django-otp-webauthn) as a second factor: adding, naming, removing, signing in.

A passkey is a django-otp device beside the authenticator app and the backup codes. It is added
once two-factor authentication is on, by a session that passed the code step and gave its
password within ``ACCOUNTS_REAUTHENTICATE_AFTER_SECONDS``: the app and the backup codes stay the
way back when the device holding a passkey is lost. Removing one needs the password and a code,
like turning two-factor authentication off, which removes every passkey too. Adding and removing
write an audit row and email the owner.

A passkey never replaces the password (``OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN`` is off): the
code step of sign-in accepts it in place of a code. The ceremonies follow WebAuthn Level 3
(W3C, §7.1 registering, §7.2 verifying an assertion); py_webauthn checks the challenge, the
origin, the relying party's hash and the signature.
"""

from django.contrib.auth import login
from django.db import transaction
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django_otp import login as otp_login
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers.exceptions import WebAuthnException

from compliance.models import AuditEvent
from compliance.services import audit_record

from .devices import user_agent_in_words, user_agent_summary
from .exceptions import TwoFactorError
from .selectors import access_own_passkey, passkeys_of, two_factor_enabled
from .services import sign_in_change_tell
from .two_factor import PENDING_SESSION_KEY, password_confirm, two_factor_login_pending_user, two_factor_verify

#: What a ceremony's check raises when the browser's answer does not verify: py_webauthn's errors
#: (challenge, origin, relying party, signature, malformed data) and django-otp-webauthn's own
#: (a credential unknown or of another user).
REFUSED = (WebAuthnException, OTPWebAuthnApiError)

#: Session keys holding a ceremony's challenge between its two requests; each is used once.
REGISTRATION_STATE_SESSION_KEY = "accounts_passkey_registration"
SIGN_IN_STATE_SESSION_KEY = "accounts_passkey_sign_in"


def _helper(request):
    """Return django-otp-webauthn's helper (relying party from ``OTP_WEBAUTHN_RP_ID``, origins checked)."""
    return WebAuthnCredential.get_webauthn_helper(request=request)


def _state_pop(request, key):
    """Take a ceremony's state out of the session and save the session at once, so it is never used twice."""
    state = request.session.pop(key, None)
    request.session.save()
    return state


def passkey_registration_begin(request):
    """Start adding a passkey for this session's user: return the options for ``navigator.credentials.create()``.

    The challenge is kept in the session for ``passkey_add``. The options list the user's
    passkeys as ``excludeCredentials``, so a device that already holds one is not added twice.

    Returns:
        dict: ``PublicKeyCredentialCreationOptions`` as JSON (WebAuthn Level 3 §5.4).

    Raises:
        TwoFactorError: two-factor authentication is off (``code="two_factor_off"``).
    """
    user = request.user
    if not two_factor_enabled(user):
        raise TwoFactorError(
            gettext("Turn on two-factor authentication with an authenticator app first."), code="two_factor_off"
        )
    options, state = _helper(request).register_begin(user=user)
    request.session[REGISTRATION_STATE_SESSION_KEY] = state
    return options


def passkey_default_name(user_agent):
    """Return the name a new passkey gets until its owner renames it, e.g. "Passkey on Firefox on Linux".

    In the active language, the owner's: "Llave de acceso en Firefox en Linux".
    """
    device = user_agent_in_words(user_agent_summary(user_agent))
    return (gettext("Passkey on %(device)s") % {"device": device} if device else gettext("Passkey"))[:64]


def passkey_add(*, request, data):
    """Check the browser's answer to ``passkey_registration_begin`` and keep the new passkey.

    Writes an audit row (``PASSKEY_ADDED``) and emails the owner after the commit.

    Args:
        data: the ``PublicKeyCredential`` the browser made, as JSON (a dict).

    Returns:
        the new ``WebAuthnCredential``, named after the browser (``passkey_default_name``).

    Raises:
        TwoFactorError: no ceremony was started in this session (or its challenge was used),
            two-factor authentication is off, or the answer does not verify
            (``code="passkey_refused"``): wrong challenge, origin or relying party.
    """
    user = request.user
    state = _state_pop(request, REGISTRATION_STATE_SESSION_KEY)
    if not state:
        raise TwoFactorError(gettext("Adding the passkey took too long. Please try again."), code="passkey_expired")
    if not two_factor_enabled(user):
        raise TwoFactorError(
            gettext("Turn on two-factor authentication with an authenticator app first."), code="two_factor_off"
        )
    try:
        with transaction.atomic():
            passkey = _helper(request).register_complete(user=user, state=state, data=data)
            passkey.name = passkey_default_name(request.headers.get("User-Agent"))
            passkey.save(update_fields=["name"])
            audit_record(
                actor=user, subject=user, action=AuditEvent.Action.PASSKEY_ADDED, changes={"passkey": passkey.pk}
            )
            sign_in_change_tell(user=user, what=gettext_noop("A passkey was added to your Learner Portal account."))
    except REFUSED as error:
        raise TwoFactorError(
            gettext("Your device's answer could not be verified, so no passkey was added."), code="passkey_refused"
        ) from error
    return passkey


@transaction.atomic
def passkey_rename(*, actor, user, passkey_id, name):
    """Give ``user``'s passkey ``passkey_id`` a new name, and write an audit row (``PASSKEY_RENAMED``).

    Args:
        name: 1 to 64 characters; surrounding spaces are dropped.

    Raises:
        Http404: not a passkey of ``user``.
        TwoFactorError: an empty name (``field="name"``).
    """
    passkey = access_own_passkey(user=user, passkey_id=passkey_id, for_update=True)
    name = " ".join(str(name).split())[:64]
    if not name:
        raise TwoFactorError(gettext("Give the passkey a name."), field="name")
    if name == passkey.name:
        return passkey
    passkey.name = name
    passkey.save(update_fields=["name"])
    audit_record(actor=actor, subject=user, action=AuditEvent.Action.PASSKEY_RENAMED, changes={"passkey": passkey.pk})
    return passkey


def passkey_remove(*, request, user, passkey_id, password, token):
    """Remove ``user``'s passkey ``passkey_id``: needs the password and a current code or backup code.

    As for turning two-factor authentication off, a session signed in with the password
    alone (or a stolen session) cannot drop a second factor. Wrong passwords count toward
    the sign-in lockout and wrong codes toward the device's pause. Writes an audit row
    (``PASSKEY_REMOVED``) and emails the owner.

    Raises:
        Http404: not a passkey of ``user``.
        TwoFactorError: wrong password (``field="password"``) or code (``field="token"``).
    """
    access_own_passkey(user=user, passkey_id=passkey_id)
    # Outside the transaction, as in two_factor_disable: wrong passwords and codes are counted, not rolled back.
    password_confirm(request, user=user, password=password)
    with transaction.atomic():
        if two_factor_verify(user=user, token=token) is not None:
            passkey = access_own_passkey(user=user, passkey_id=passkey_id, for_update=True)
            passkey_pk = passkey.pk
            passkey.delete()
            audit_record(
                actor=user, subject=user, action=AuditEvent.Action.PASSKEY_REMOVED, changes={"passkey": passkey_pk}
            )
            sign_in_change_tell(user=user, what=gettext_noop("A passkey was removed from your Learner Portal account."))
            return
    raise TwoFactorError(gettext("That code is not right."), field="token")


def passkey_sign_in_begin(request):
    """Start the code step with a passkey: return the options for ``navigator.credentials.get()``.

    Only the passkeys of the user waiting at the code step are allowed (``allowCredentials``).

    Returns:
        dict: ``PublicKeyCredentialRequestOptions`` as JSON (WebAuthn Level 3 §5.5).

    Raises:
        TwoFactorError: nobody waits at the code step (``code="two_factor_expired"``), or
            they have no passkey (``code="no_passkey"``).
    """
    user = two_factor_login_pending_user(request)
    if user is None:
        raise TwoFactorError(gettext("Your sign-in expired. Please start again."), code="two_factor_expired")
    if not passkeys_of(user):
        raise TwoFactorError(gettext("You have no passkey. Enter a code instead."), code="no_passkey")
    # The password was given: the passkey proves possession (user verification is the device's business).
    options, state = _helper(request).authenticate_begin(user=user, require_user_verification=False)
    request.session[SIGN_IN_STATE_SESSION_KEY] = state
    return options


def passkey_sign_in_complete(request, data):
    """Finish the code step with a passkey: sign the waiting user in when their device's signature verifies.

    A refused passkey is audited like a wrong code (``LOGIN_FAILED``, step "code").
    Signing counters that go backwards (a cloned authenticator) are refused by py_webauthn.

    Args:
        data: the browser's ``PublicKeyCredential`` assertion, as JSON (a dict).

    Returns:
        the signed-in user; the session is verified with the passkey (django-otp).

    Raises:
        TwoFactorError: nobody waits at the code step or the ceremony expired
            (``code="two_factor_expired"``), or the passkey was refused (``code="passkey_refused"``).
    """
    user = two_factor_login_pending_user(request)
    state = _state_pop(request, SIGN_IN_STATE_SESSION_KEY)
    if user is None or not state:
        raise TwoFactorError(gettext("Your sign-in expired. Please start again."), code="two_factor_expired")
    try:
        passkey = _helper(request).authenticate_complete(user=user, state=state, data=data)
        if not passkey.confirmed:
            raise OTPWebAuthnApiError()
    except REFUSED as error:
        audit_record(actor=None, subject=user, action=AuditEvent.Action.LOGIN_FAILED, changes={"step": "code"})
        raise TwoFactorError(
            gettext("That passkey was not accepted. Try again, or enter a code."), code="passkey_refused"
        ) from error
    backend = request.session.pop(PENDING_SESSION_KEY)["backend"]
    login(request, user, backend=backend)
    otp_login(request, passkey)
    return user


def passkey_script_config(request):
    """Return the settings django-otp-webauthn's scripts read from the page (its ``otp_webauthn_config`` JSON).

    The ceremony endpoints are the portal's own (``accounts.passkey_views``); the CSRF token
    goes with each request the scripts make.
    """
    return {
        "csrfToken": get_token(request),
        "beginRegistrationUrl": reverse("accounts:passkey_registration_begin"),
        "completeRegistrationUrl": reverse("accounts:passkey_registration_complete"),
        "beginAuthenticationUrl": reverse("accounts:passkey_sign_in_begin"),
        "completeAuthenticationUrl": reverse("accounts:passkey_sign_in_complete"),
        "nextFieldSelector": "input[name='next']",
        "autocompleteLoginFieldSelector": None,  # no passwordless sign-in: never offered in the username field
    }
