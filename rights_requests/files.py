"""Files made for learners (access reports): encrypted at rest, downloadable by their owner for a while.

Encryption uses cryptography's MultiFernet with ``settings.ENCRYPTION_KEYS``
(``PORTAL_ENCRYPTION_KEYS``): the first key encrypts, every key decrypts, so keys
can be rotated without losing files still in their download period.
"""

import datetime
import uuid

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from privacy.models import AuditEvent
from privacy.services import audit_record

from . import conf
from .models import RequestFile


def _fernet():
    if not settings.ENCRYPTION_KEYS:
        raise ImproperlyConfigured("Set PORTAL_ENCRYPTION_KEYS to store files for data-rights requests.")
    return MultiFernet([Fernet(key) for key in settings.ENCRYPTION_KEYS])


def encrypt(data: bytes) -> bytes:
    """Return ``data`` encrypted (and authenticated) with the first key (Fernet token)."""
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    """Return the plain bytes of a token made by ``encrypt`` with any configured key.

    Raises:
        cryptography.fernet.InvalidToken: if no key decrypts it or it was tampered with.
    """
    return _fernet().decrypt(token)


def request_file_store(*, request, kind, content: bytes):
    """Encrypt ``content``, store it under a random name and record it for ``request``.

    The file is downloadable for ``RIGHTS_REQUESTS_DOWNLOAD_DAYS`` days.

    Returns:
        the saved ``RequestFile``.
    """
    token = encrypt(content)
    # SECURITY: a random name, so the storage path reveals nothing about the learner.
    name = default_storage.save(f"rights-requests/{uuid.uuid4().hex}.bin", ContentFile(token))
    now = timezone.now()
    request_file = RequestFile(
        request=request,
        kind=kind,
        storage_name=name,
        size=len(token),
        expires_at=now + datetime.timedelta(days=conf.DOWNLOAD_DAYS),
    )
    request_file.full_clean()
    request_file.save()
    return request_file


def live_file_of(request):
    """Return the request's newest file that is still downloadable, or None."""
    return RequestFile.objects.filter(request=request, expires_at__gt=timezone.now()).exclude(storage_name="").first()


def latest_file_of(request):
    """Return the request's newest file, expired or not, or None."""
    return RequestFile.objects.filter(request=request).first()


def request_file_expire(*, request_file):
    """Delete an expired file from storage; the record stays, with an empty ``storage_name``."""
    name = request_file.storage_name
    if not name:
        return
    request_file.storage_name = ""
    request_file.save(update_fields=["storage_name"])
    default_storage.delete(name)


def request_file_download(*, user, request_file):
    """Return the decrypted content of ``request_file`` for its owner, and audit the download.

    The caller has checked that ``user`` is the request's data subject and that the
    file has not expired.

    Returns:
        bytes: the plain content.
    """
    with default_storage.open(request_file.storage_name, "rb") as stored:
        content = decrypt(stored.read())
    audit_record(
        actor=user,
        subject=user,
        action=AuditEvent.Action.EXPORT_DOWNLOADED,
        changes={"request": request_file.request.reference, "kind": request_file.kind},
    )
    return content
