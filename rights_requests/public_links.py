"""Links emailed about requests filed without signing in (``/privacy/request/``): downloads and objections.

A download link carries a signed token naming the ``PublicRequest`` and a keyed hash of the address it
was verified with, so it works without a session and only while the account's email is still that
address: the file goes to the verified address only (GDPR Art. 12(6), 15(3), 20(1)). It is never made
for a request an agent or parent filed: their results go to the learner's account (``agents``).

An objection link goes to the learner an agent or parent filed for, bound the same way to the
account's address; it lets them cancel the request (``agents.agent_request_object``).
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from . import conf
from .models import FOR_SOMEONE, Filer, PublicRequest

_SALT = "rights_requests.public-download"
_OBJECTION_SALT = "rights_requests.agent-objection"


def address_digest(email):
    """Return a keyed hash (hex) of ``email``, compared case-insensitively; the address itself is not in it."""
    return salted_hmac("rights_requests.public-address", email.strip().lower(), algorithm="sha256").hexdigest()


def download_url(public_request):
    """Return the absolute URL of the emailed download link of ``public_request``'s file, valid ``DOWNLOAD_DAYS``."""
    token = signing.dumps({"p": str(public_request.pk), "a": address_digest(public_request.email)}, salt=_SALT)
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("rights_requests:public_download", args=[token])


def public_request_for_download(token):
    """Return the ``PublicRequest`` a download link's ``token`` stands for, or None when the link is not good.

    Not good: forged or cut short, older than ``RIGHTS_REQUESTS_DOWNLOAD_DAYS``, or for a request
    not filed for an account, or an account whose email is no longer the verified address.
    """
    try:
        data = signing.loads(token, salt=_SALT, max_age=conf.DOWNLOAD_DAYS * 24 * 60 * 60)
    except signing.BadSignature:
        return None
    public_request = (
        PublicRequest.objects.select_related("rights_request", "subject")
        # SECURITY: an agent's or parent's filing never gets a link; its results stay in the learner's account.
        .filter(
            pk=data.get("p"), status=PublicRequest.Status.FILED, rights_request__isnull=False, filed_by=Filer.SUBJECT
        )
        .first()
    )
    if public_request is None or public_request.subject is None:
        return None
    # SECURITY: the link follows the address, not the account: one whose email changed since gets nothing.
    if not constant_time_compare(data.get("a", ""), address_digest(public_request.email)):
        return None
    if address_digest(public_request.subject.email) != address_digest(public_request.email):
        return None
    return public_request


def objection_url(public_request):
    """Return the absolute URL of the link a learner follows to object to what an agent or parent filed for them.

    Valid ``RIGHTS_REQUESTS_OBJECTION_LINK_DAYS`` days, for the account's address at the time of filing.
    """
    token = signing.dumps(
        {"p": str(public_request.pk), "a": address_digest(public_request.subject.email)}, salt=_OBJECTION_SALT
    )
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("rights_requests:agent_object", args=[token])


def public_request_for_objection(token):
    """Return the filing an objection link's ``token`` stands for, or None when the link is not good.

    Not good: forged or cut short, too old, not a filing by an agent or parent for an account, or an
    account whose email is no longer the address the link was sent to.
    """
    try:
        data = signing.loads(token, salt=_OBJECTION_SALT, max_age=conf.OBJECTION_LINK_DAYS * 24 * 60 * 60)
    except signing.BadSignature:
        return None
    public_request = (
        PublicRequest.objects.select_related("rights_request", "subject")
        .filter(pk=data.get("p"), status=PublicRequest.Status.FILED, filed_by__in=FOR_SOMEONE)
        .exclude(subject=None)
        .first()
    )
    if public_request is None:
        return None
    if not constant_time_compare(data.get("a", ""), address_digest(public_request.subject.email)):
        return None
    return public_request
