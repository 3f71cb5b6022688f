"""Files made for learners (access reports, portable copies): encrypted at rest, for their owner for a while.

Encryption uses cryptography's MultiFernet with ``settings.ENCRYPTION_KEYS``
(``PORTAL_ENCRYPTION_KEYS``): the first key encrypts, every key decrypts, so keys
can be rotated without losing files still in their download period.

A stored file is a header line followed by one Fernet token per line, each
token encrypting one segment of at most ``SEGMENT_SIZE`` bytes, so that files
are encrypted and decrypted in bounded memory whatever their size. Each
segment's plain text starts with its number and a last-segment flag, so
segments cannot be reordered, dropped or cut off unnoticed. A file without
the header (made before segments existed) is one token for the whole content.
"""

import datetime
import logging
import struct
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from learnerportal.encryption import multi_fernet, token_is_current
from privacy.models import AuditEvent
from privacy.services import audit_record, data_subject_lock

from . import conf
from .exceptions import AccountClosed, DownloadExpired, RequestFileUnreadable
from .models import RequestFile

logger = logging.getLogger(__name__)


def _fernet():
    return multi_fernet()


#: Plain bytes per encrypted segment.
SEGMENT_SIZE = 1024 * 1024
HEADER = b"learner-portal-segmented-fernet-1\n"
_SEGMENT_PREFIX = struct.Struct(">I?")  # segment number, is the last segment


def encrypt_stream(source, target):
    """Encrypt the binary file ``source`` into the binary file ``target``, a segment at a time.

    Memory stays around ``SEGMENT_SIZE`` whatever the size of ``source``.

    Returns:
        int: bytes written to ``target``.
    """
    fernet = _fernet()
    written = target.write(HEADER)
    number, segment = 0, source.read(SEGMENT_SIZE)
    while True:
        following = source.read(SEGMENT_SIZE)
        token = fernet.encrypt(_SEGMENT_PREFIX.pack(number, not following) + segment)
        written += target.write(token + b"\n")
        if not following:
            return written
        number, segment = number + 1, following


def decrypt_stream(stored) -> Iterator[bytes]:
    """Yield the plain content of the binary file ``stored`` (made by ``encrypt_stream``), segment by segment.

    Raises:
        cryptography.fernet.InvalidToken: if no key decrypts a segment, or the
            segments were tampered with, reordered, dropped or cut off.
    """
    fernet = _fernet()
    first = stored.readline()
    if first != HEADER:  # a file from before segments: one token
        yield fernet.decrypt(first + stored.read())
        return
    last = False
    # (Not ``for line in stored``: Django's ``File`` iterates from the start again.)
    for expected, line in enumerate(iter(stored.readline, b"")):
        if last:
            raise InvalidToken  # SECURITY: nothing may follow the last segment
        plain = fernet.decrypt(line.rstrip(b"\n"))
        number, last = _SEGMENT_PREFIX.unpack_from(plain)
        if number != expected:
            raise InvalidToken  # SECURITY: a segment dropped or moved
        yield plain[_SEGMENT_PREFIX.size :]
    if not last:
        raise InvalidToken  # SECURITY: the file was cut off


def request_file_store(*, request, kind, source):
    """Encrypt the binary file ``source``, store it under a random name and record it for ``request``.

    Encrypts through a temporary file in bounded memory. The file is downloadable
    for ``RIGHTS_REQUESTS_DOWNLOAD_DAYS`` days. If recording fails, the stored
    file is deleted again. It replaces a file of the same kind stored for the
    request before (by a run that stopped before completing it), so a re-run
    leaves one whole file.

    Returns:
        the saved ``RequestFile``.

    Raises:
        AccountClosed: the learner's account was erased while the file was being
            made (GDPR Art. 17: the copy must not outlive the erasure); nothing is
            kept. Recording waits for an erasure under way (``data_subject_lock``),
            which otherwise deletes the learner's recorded files itself.
    """
    with tempfile.TemporaryFile() as encrypted:
        size = encrypt_stream(source, encrypted)
        encrypted.seek(0)
        # SECURITY: a random name, so the storage path reveals nothing about the learner.
        name = default_storage.save(f"rights-requests/{uuid.uuid4().hex}.bin", File(encrypted))
    try:
        with transaction.atomic():
            if not data_subject_lock(request.subject_id):
                raise AccountClosed("The account was erased while its file was being made; the file is deleted.")
            request_file = RequestFile(
                request=request,
                kind=kind,
                storage_name=name,
                size=size,
                expires_at=timezone.now() + datetime.timedelta(days=conf.DOWNLOAD_DAYS),
            )
            request_file.full_clean()
            request_file.save()
            # A run that stopped after storing its file is done again: the learner gets the new file only.
            earlier = RequestFile.objects.filter(request=request, kind=kind).exclude(pk=request_file.pk)
            stale = [stored for stored in earlier.values_list("storage_name", flat=True) if stored]
            earlier.delete()
            transaction.on_commit(lambda: [default_storage.delete(stored) for stored in stale])
            audit_record(
                actor=None,
                subject=request.subject,
                action=AuditEvent.Action.EXPORT_GENERATED,
                changes={"request": request.reference, "kind": kind},
            )
    except BaseException:
        default_storage.delete(name)
        raise
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


def request_files_purge_expired(*, now=None):
    """Delete every file whose download period is over from storage; keep their records.

    Returns:
        int: how many files were deleted.
    """
    expired = RequestFile.objects.filter(expires_at__lte=now or timezone.now()).exclude(storage_name="")
    purged = 0
    for request_file in expired.iterator():
        request_file_expire(request_file=request_file)
        purged += 1
    return purged


def request_file_verify(*, request_file):
    """Check that ``request_file`` is in storage and every segment decrypts, in order and complete.

    Reads and decrypts the whole file in bounded memory, keeping nothing. A file
    that fails is deleted from storage (its record stays, as for an expired one).

    Raises:
        RequestFileUnreadable: the file is missing or was damaged or tampered with.
    """
    try:
        with default_storage.open(request_file.storage_name, "rb") as stored:
            for _segment in decrypt_stream(stored):
                pass
    except (OSError, InvalidToken) as error:
        # The request file's id only: never the learner's name or the file's content.
        logger.error("Request file %s cannot be read (%s); deleted.", request_file.pk, type(error).__name__)
        request_file_expire(request_file=request_file)
        raise RequestFileUnreadable("This file cannot be read any more.") from None


def request_file_download(*, user, request_file):
    """Return the decrypted content of ``request_file`` for its owner as chunks, and audit the download.

    The caller has checked that ``user`` is the request's data subject and that the
    file has not expired. The whole file is checked first (``request_file_verify``),
    so that a damaged file is refused before anything is sent rather than cut off
    half-way; then it is decrypted again as it is sent, in bounded memory: hand the
    iterator to a ``StreamingHttpResponse``.

    Returns:
        an iterator of ``bytes`` (segments of the plain content).

    Raises:
        RequestFileUnreadable: see ``request_file_verify``; nothing is audited then.
    """
    request_file_verify(request_file=request_file)
    stored = default_storage.open(request_file.storage_name, "rb")
    audit_record(
        actor=user,
        subject=user,
        action=AuditEvent.Action.EXPORT_DOWNLOADED,
        changes={"request": request_file.request.reference, "kind": request_file.kind},
    )
    return _closing(decrypt_stream(stored), stored)


def _closing(chunks, stored):
    try:
        yield from chunks
    finally:
        stored.close()


class _ChunkReader:
    """A read-only binary file over an iterator of ``bytes`` chunks (to re-encrypt without writing plain text)."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _first_token(stored):
    first = stored.readline()
    token = stored.readline() if first == HEADER else first + stored.read()
    return token.rstrip(b"\n").decode()


@transaction.atomic
def request_file_rotate(*, request_file):
    """Re-encrypt a stored file with the first key, under a new random name; the old file goes after commit.

    Files whose first segment is already under the first key are left alone, so
    an interrupted rotation continues where it stopped. The plain content is
    never written anywhere: it is decrypted and re-encrypted segment by segment.

    Returns:
        bool: whether the file was re-encrypted.

    Raises:
        cryptography.fernet.InvalidToken: no configured key decrypts the file.
    """
    request_file = RequestFile.objects.select_for_update().get(pk=request_file.pk)
    old_name = request_file.storage_name
    if not old_name:
        return False
    with default_storage.open(old_name, "rb") as stored:
        if token_is_current(_first_token(stored)):
            return False
    with default_storage.open(old_name, "rb") as stored, tempfile.TemporaryFile() as encrypted:
        size = encrypt_stream(_ChunkReader(decrypt_stream(stored)), encrypted)
        encrypted.seek(0)
        new_name = default_storage.save(f"rights-requests/{uuid.uuid4().hex}.bin", File(encrypted))
    request_file.storage_name = new_name
    request_file.size = size
    request_file.save(update_fields=["storage_name", "size"])
    transaction.on_commit(lambda: default_storage.delete(old_name))
    return True


@dataclass(frozen=True)
class Download:
    """A file ready to send: its record, its plain content as chunks (decrypted as read), media type, file name."""

    request_file: RequestFile
    chunks: Iterator[bytes]
    content_type: str
    filename: str


def request_download(*, user, rights_request):
    """Return the newest file of ``rights_request`` for its owner to download, and audit the download.

    The page and the API both call this. The caller has checked that ``user`` is
    the request's data subject (``selectors.access_own_request``). A file past its
    period (``RIGHTS_REQUESTS_DOWNLOAD_DAYS``) is deleted from storage here if it
    was not already.

    Returns:
        ``Download``: a ZIP for a portable copy (GDPR Art. 20), an HTML report for access (Art. 15);
        hand its ``chunks`` to a ``StreamingHttpResponse`` (bounded memory).

    Raises:
        Http404: the request has no file (yet).
        DownloadExpired: the file's download period is over (answer 410 Gone).
        RequestFileUnreadable: the file is missing or damaged (answer 410 Gone); its
            ``request_file`` attribute is the record. Nothing is audited then.
    """
    request_file = latest_file_of(rights_request)
    if request_file is None:
        raise Http404("No file for this request.")
    if request_file.expires_at <= timezone.now() or not request_file.storage_name:
        request_file_expire(request_file=request_file)
        raise DownloadExpired(request_file)
    try:
        chunks = request_file_download(user=user, request_file=request_file)
    except RequestFileUnreadable as error:
        error.request_file = request_file
        raise
    if request_file.kind == RequestFile.Kind.PORTABLE_EXPORT:
        content_type, suffix = "application/zip", "zip"
    else:
        content_type, suffix = "text/html; charset=utf-8", "html"
    return Download(request_file, chunks, content_type, f"learner-portal-data-{rights_request.reference}.{suffix}")
