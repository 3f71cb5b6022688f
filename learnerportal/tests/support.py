"""Helpers the tests of every app share: acting as someone (API tokens, sign-in, authenticator codes), reading pages.

Rows come from ``factories``; fixtures are in the root ``conftest.py``.
"""

import base64
import contextlib
import hashlib
import json
import os
import re
import smtplib
import subprocess
import sys
from html.parser import HTMLParser

import cbor2
import psycopg2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client, TestCase
from django.utils import translation
from django.utils.translation import trans_real
from django_otp.oath import TOTP

from accounts.services import personal_access_token_create
from learnerportal.tests.factories import PASSWORD, UserFactory

#: The path of the sign-up link in a confirmation email (``accounts.services.signups``).
SIGNUP_LINK = re.compile(r"http://testserver(/accounts/signup/confirm/[A-Za-z0-9_-]+/)")
#: The code in the email of a request filed without signing in.
PUBLIC_CODE = re.compile(r"^(?:Your code|Tu código): (\d{6})$", re.MULTILINE)
#: The download link in the email completing such a request.
PUBLIC_DOWNLOAD_LINK = re.compile(r"http://testserver(/privacy/request/download/[^/\s]+/)")


def signup_post(client, data):
    """Post the sign-up form with ``data`` through ``client``, sending its email as a commit does; return the answer."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/accounts/signup/", data)


def signup_link(message):
    """Return the path of the sign-up link in the email ``message``."""
    return SIGNUP_LINK.search(message.body)[1]


def signup_finish(client, link, **extra):
    """Press the button on the page of the sign-up ``link`` with ``client`` (it posts the token); return the answer."""
    token = link.rstrip("/").rsplit("/", 1)[1]
    return client.post("/accounts/signup/finish/", {"token": token}, **extra)


def sign_up(client, data):
    """Sign up through HTTP with the form's ``data``, then use the emailed link; return the last answer, followed.

    Like a learner: the form answers "check your email", the link's page has a button
    that makes the account and signs in.
    """
    response = signup_post(client, data)
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/sent/", "the form was refused"
    return signup_finish(client, signup_link(mail.outbox[-1]), follow=True)


def public_request_post(client, email, request_type="access", text="", purposes=(), **extra):
    """Post ``/privacy/request/`` with ``client``, sending its email as a commit does; return the answer."""
    data = {"email": email, "type": request_type, "text": text, "purposes": list(purposes)}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/privacy/request/", data, **extra)


#: The link in the email telling a learner that an agent or parent filed for them.
OBJECTION_LINK = re.compile(r"http://testserver(/privacy/request/object/[^/\s]+/)")


def agent_request_post(
    client,
    email,
    learner_email,
    authorisation,
    request_type="access",
    filed_by="agent",
    name="Ana Ruiz",
    text="",
    **extra,
):
    """Post ``/privacy/request/`` as an agent (or a parent) filing for ``learner_email`` with a signed authorisation.

    ``authorisation`` is an uploaded file (``factories.authorisation_pdf()``) or None. The code email is sent
    as a commit sends it; returns the answer.
    """
    data = {
        "filed_by": filed_by,
        "email": email,
        "agent_name": name,
        "learner_email": learner_email,
        "type": request_type,
        "text": text,
    }
    if authorisation is not None:
        data["authorisation"] = authorisation
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/privacy/request/", data, **extra)


def emailed_code(message):
    """Return the 6-digit code in the email ``message`` of a request filed without signing in."""
    return PUBLIC_CODE.search(message.body)[1]


def public_code_post(client, code):
    """Type ``code`` on the code page with ``client``, sending what the step emails as a commit does."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/privacy/request/code/", {"code": code})


def public_code_renew(client):
    """Press "Send a new code" with ``client``, sending the email as a commit does; return the answer."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/privacy/request/code/new/")


def code_for(device, at=None):
    """Return the code an authenticator app shows for ``device`` at ``at`` (default: now), RFC 6238."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    if at is not None:
        totp.time = at.timestamp()
    return f"{totp.token():06d}"


def make_token(user, scope="read_write", lifetime_days=30, name="Test script"):
    """Return the text of a new personal access token of ``user``."""
    _, raw = personal_access_token_create(actor=user, user=user, name=name, scope=scope, lifetime_days=lifetime_days)
    return raw


def token_client(raw_token):
    """Return a client that sends ``raw_token`` as a Bearer token and no session cookie."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")


def password_step_client(user):
    """Return a client that signed in with ``user``'s password and waits at the two-factor code step."""
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/login/code/" in response["Location"]
    return client


def sign_in(page, url, username, device=None):
    """Sign ``username`` in with ``PASSWORD`` in a Playwright ``page`` at ``url`` (the sign-in page or one behind it).

    With ``device`` (a TOTP device), type its current code at the second step too.
    """
    page.goto(url)
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.get_by_label("Code").fill(code_for(device))
        page.get_by_role("button", name="Sign in").click()


def checked_radios(page):
    """Return ``{name: value}`` of the checked radio buttons in an HTML page."""
    checked = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="radio"' in tag and re.search(r"\schecked\b", tag):
            checked[re.search(r'name="([^"]+)"', tag)[1]] = re.search(r'value="([^"]+)"', tag)[1]
    return checked


class _ShownParts(HTMLParser):
    """Re-write HTML without the elements marked ``hidden`` (and what they hold), as a reader sees it."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.parts, self.hidden_depth = [], 0

    def handle_starttag(self, tag, attrs):
        void = tag in self.VOID
        if self.hidden_depth:
            self.hidden_depth += 0 if void else 1
        elif any(name == "hidden" for name, _ in attrs):
            self.hidden_depth = 0 if void else 1
        else:
            self.parts.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if self.hidden_depth:
            self.hidden_depth -= 1
        else:
            self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def preview_shown(page):
    """Return the HTML of the Privacy tab's "View as" preview without the parts marked hidden: what the viewer sees."""
    frame = page.split("data-preview-frame>", 1)[1].split("<p><a href=", 1)[0]
    parser = _ShownParts()
    parser.feed(frame)
    parser.close()
    return "".join(parser.parts)


def link_to(page, text):
    """Return the address of the link whose text is ``text`` on the HTML ``page``, as a browser would follow it."""
    (href,) = re.findall(rf'<a [^>]*href="([^"]+)"[^>]*>\s*{re.escape(text)}\s*</a>', page)
    return href


class RefusingSMTPBackend(BaseEmailBackend):
    """An SMTP server that refuses every recipient, naming them as real servers do."""

    def send_messages(self, messages):
        recipients = {address: (550, f"5.1.1 <{address}>: mailbox unavailable".encode()) for address in messages[0].to}
        raise smtplib.SMTPRecipientsRefused(recipients)


#: ``MAILERS`` whose mail server refuses everything (``override_settings(MAILERS=REFUSING_MAILERS)``).
REFUSING_MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingSMTPBackend", "OPTIONS": {}}}


def subprocess_database_url():
    """Return a ``DATABASE_URL`` naming the test database, for a subprocess that must see what the test sees."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_in_another_process(script, *arguments, **environment):
    """Run ``script`` in a new interpreter with the portal's settings, against this test's database.

    ``environment`` overrides variables (None removes one). Returns what the script printed
    last, read as JSON.
    """
    env = os.environ | {"DATABASE_URL": subprocess_database_url(), "DJANGO_ALLOWED_HOSTS": "testserver"} | environment
    env = {name: value for name, value in env.items() if value is not None}
    finished = subprocess.run(  # noqa: S603 - this interpreter and a fixed script
        [sys.executable, "-c", script, *map(str, arguments)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def raw_connection():
    """Return a new psycopg2 connection to the test database, outside Django's (autocommit off)."""
    db = connection.settings_dict
    raw = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"] or "127.0.0.1", port=db["PORT"]
    )
    raw.autocommit = False
    return raw


def table_locked(table):
    """Return a new connection holding ``table`` locked (ACCESS EXCLUSIVE) until it rolls back.

    Work that reaches the table (an export reading payments) waits there: a test can
    catch a worker in the middle of its work.
    """
    raw = raw_connection()
    with raw.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    return raw


def waiting_for(raw, table):
    """Return how many connections other than ``raw`` wait for a lock on ``table``."""
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass AND pid <> pg_backend_pid()",
            [table],
        )
        return cursor.fetchone()[0]


# Pseudo-localisation: every string that goes through gettext comes out as ⟪…⟫, so English left on a
# page in that locale is a string nobody marked for translation.

PSEUDO_OPEN, PSEUDO_CLOSE = "⟪", "⟫"
#: Words that are the same in every language and never translated: the brand, and each language's
#: own name (the switcher and the Account tab's list show them as their speakers write them).
NEVER_TRANSLATED = ("Learner Portal", *(name for _, name in settings.LANGUAGES))


class PseudoTranslation:
    """A translation object (``django.utils.translation.trans_real``'s shape) that wraps every message in ⟪…⟫.

    Placeholders such as ``%(name)s`` stay inside the wrapper, so formatting still works; a
    message with a context (pgettext's ``context\\x04message``) is wrapped without its context.
    """

    _fallback = None  # django-countries reads it (no_translation_fallback)

    #: The language it reports (``get_language()``): a code of its own, so that nothing cached per
    #: language (country names, public profile cards) is served from an English render.
    PSEUDO_LANGUAGE = "x-pseudo"

    def gettext(self, message):
        return f"{PSEUDO_OPEN}{message.rpartition(chr(4))[2]}{PSEUDO_CLOSE}"

    def ngettext(self, singular, plural, number):
        return self.gettext(singular if number == 1 else plural)

    def to_language(self):
        return self.PSEUDO_LANGUAGE

    def language(self):
        return self.PSEUDO_LANGUAGE


@contextlib.contextmanager
def pseudo_locale_active():
    """Inside the block, the platform language's translation is a ``PseudoTranslation`` (every message ⟪…⟫).

    It replaces what a request without Accept-Language gets and what ``translation.activate``
    returns, and is restored before the block's own ``override`` ends: ending it activates the
    language the thread had before, looked up again, which must find the real translation.
    """
    language = settings.LANGUAGE_CODE
    saved = trans_real._translations.get(language), trans_real._default
    pseudo = PseudoTranslation()
    trans_real._translations[language] = trans_real._default = pseudo
    with translation.override(language):
        try:
            yield pseudo
        finally:
            trans_real._translations[language], trans_real._default = saved
            if saved[0] is None:
                del trans_real._translations[language]


class _VisibleText(HTMLParser):
    """Collect, in page order, the text a reader sees or hears: text nodes and alt, title, placeholder, aria-label.

    Leaves out ``<script>``, ``<style>``, whatever an element marked ``translate="no"`` holds
    (HTML's own mark for text that is not to be translated: names, codes), and ``<time>``, whose
    text Django's date formats of the language write (month names from Django's own catalog).
    """

    SKIPPED = {"script", "style", "template", "time"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    SPOKEN_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self._stack = []  # (tag, hidden) of the open elements

    def _hidden(self):
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        hidden = self._hidden() or tag in self.SKIPPED or attributes.get("translate") == "no"
        if not hidden:
            self.parts.extend(attributes[name] for name in self.SPOKEN_ATTRIBUTES if attributes.get(name))
        if tag not in self.VOID:
            self._stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self._stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if not self._hidden():
            self.parts.append(data)


_WRAPPED = re.compile(f"{PSEUDO_OPEN}[^{PSEUDO_OPEN}{PSEUDO_CLOSE}]*{PSEUDO_CLOSE}", re.DOTALL)
_LETTER = re.compile(r"[^\W\d_]")


def unmarked_text(html, allowed=()):
    """Return the pieces of visible text in ``html``, rendered in the pseudo-locale, that no gettext wrapped.

    A message may hold markup (``<strong>``) and span several text nodes: the page's text is read
    as one, wrapped messages (innermost first) are removed, and what is left must hold no letter
    once ``allowed`` (data shown as it is: a username, an email address) and ``NEVER_TRANSLATED``
    are taken out.

    Returns:
        list of str, each a left-over stretch of text with letters, stripped; empty when all is marked.
    """
    parser = _VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for value in sorted({*allowed, *NEVER_TRANSLATED}, key=len, reverse=True):
        text = text.replace(value, " ")
    previous = None
    while previous != text:
        previous, text = text, _WRAPPED.sub(" ", text)
    return [piece.strip() for piece in re.split(r"\n", text) if _LETTER.search(piece)]


def _base64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftPasskey:
    """A software authenticator holding one passkey (ES256), answering WebAuthn ceremonies like a browser.

    It signs what a browser on ``origin`` would send for relying party ``rp_id``
    (WebAuthn Level 3 §6.1 authenticator data, §7 ceremonies; "none" attestation),
    so HTTP tests can add a passkey and sign in with it without Chromium.
    """

    def __init__(self, rp_id="localhost", origin="http://localhost"):
        self.rp_id = rp_id
        self.origin = origin
        self.credential_id = os.urandom(32)
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.sign_count = 0

    def _client_data(self, kind, challenge, origin):
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin}).encode()

    def _authenticator_data(self, flags, attested=b""):
        rp_id_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return rp_id_hash + bytes([flags]) + self.sign_count.to_bytes(4, "big") + attested

    def create(self, options, *, origin=None):
        """Return the ``PublicKeyCredential`` JSON answering ``navigator.credentials.create(options)``."""
        numbers = self.private_key.public_key().public_numbers()
        cose_key = cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + cose_key
        authenticator_data = self._authenticator_data(0x01 | 0x04 | 0x40, attested)  # user present, verified; key
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": authenticator_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {
            "id": _base64url(self.credential_id),
            "rawId": _base64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": _base64url(client_data),
                "attestationObject": _base64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
            "authenticatorAttachment": "platform",
        }

    def get(self, options, *, origin=None):
        """Return the assertion JSON answering ``navigator.credentials.get(options)``; the counter goes up."""
        self.sign_count += 1
        authenticator_data = self._authenticator_data(0x01 | 0x04)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.private_key.sign(
            authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": _base64url(self.credential_id),
            "rawId": _base64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": _base64url(client_data),
                "authenticatorData": _base64url(authenticator_data),
                "signature": _base64url(signature),
            },
            "clientExtensionResults": {},
        }


def passkey_add_through_pages(client, passkey, **create_options):
    """Add ``passkey`` (a ``SoftPasskey``) as the signed-in ``client``'s; return the complete step's response."""
    options = client.post("/accounts/passkeys/add/begin/").json()
    answer = passkey.create(options, **create_options)
    return client.post("/accounts/passkeys/add/complete/", answer, content_type="application/json")


def passkey_sign_in(client, passkey, next_url="", **get_options):
    """Pass the code step with ``passkey`` (a ``SoftPasskey``) in a ``client`` at it; return the complete response."""
    options = client.post("/accounts/passkeys/sign-in/begin/").json()
    query = f"?next={next_url}" if next_url else ""
    answer = passkey.get(options, **get_options)
    return client.post(f"/accounts/passkeys/sign-in/complete/{query}", answer, content_type="application/json")


def learner_in(country, us_state="", *, user=None, **profile):
    """Return a learner living in ``country`` (and ``us_state``): the regime of their requests follows (CCPA, LGPD…).

    ``user`` moved there (their profile saved), or a new learner with the ``profile`` fields given
    (``timezone="America/Los_Angeles"``, ``language="es"``).
    """
    if user is None:
        return UserFactory(
            profile__country=country,
            profile__us_state=us_state,
            **{f"profile__{name}": value for name, value in profile.items()},
        )
    user.profile.country, user.profile.us_state = country, us_state
    user.profile.save(update_fields=["country", "us_state"])
    return user
