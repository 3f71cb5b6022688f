"""Files made for learners (access reports, portable copies): encrypted at rest, for their owner for a while.

Encryption uses cryptography's MultiFernet with ``settings.ENCRYPTION_KEYS``
(``PORTAL_ENCRYPTION_KEYS``): the first key encrypts, every key decrypts, so keys
can be rotated without losing files still in their download period.

A stored file is a header line followed by one Fernet token per line, each
token encrypting one segment of at most ``SEGMENT_SIZE`` bytes, so that files
are encrypted and decrypted in bounded memory whatever their size. Each
segment's plain text starts with the file's random id, a digest of the request
and kind the file was made for, the segment's number and a last-segment flag,
so segments cannot be reordered, dropped, cut off or taken from another file,
and no whole file can stand in for another (a mixed-up restore, a swapped name)
unnoticed. Only this format is read.
"""

import contextvars
import datetime
import functools
import hashlib
import logging
import secrets
import struct
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import mail_admins
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from compliance.models import AuditEvent
from compliance.services import audit_record, data_subject_lock
from learnerportal.encryption import multi_fernet, token_is_current
from learnerportal.storage import STORAGE_ERRORS

from . import conf
from .exceptions import AccountClosed, DownloadExpired, RequestFileUnavailable
from .models import RequestFile
from .notifications import file_unavailable_email
from .selectors import privacy_officers

logger = logging.getLogger(__name__)


def _fernet():
    return multi_fernet()


#: Plain bytes per encrypted segment.
SEGMENT_SIZE = 1024 * 1024
HEADER = b"learner-portal-segmented-fernet-2\n"
#: The file's random id, the SHA-256 of its associated data, the segment's number, whether it is the last.
_SEGMENT_PREFIX = struct.Struct(">16s32sI?")


def associated_data_of(*, request_id, kind):
    """Return the bytes a file of ``kind`` for the request ``request_id`` is bound to (checked on every read)."""
    return f"rights-request:{request_id}:{kind}".encode()


def encrypt_stream(source, target, *, associated_data):
    """Encrypt the binary file ``source`` into the binary file ``target``, a segment at a time.

    Memory stays around ``SEGMENT_SIZE`` whatever the size of ``source``.

    Args:
        source, target: binary files (read, write).
        associated_data: what the file is for (``associated_data_of``); reading it back
            needs the same bytes.

    Returns:
        int: bytes written to ``target``.
    """
    fernet = _fernet()
    file_id = secrets.token_bytes(16)
    context = hashlib.sha256(associated_data).digest()
    written = target.write(HEADER)
    number, segment = 0, source.read(SEGMENT_SIZE)
    while True:
        following = source.read(SEGMENT_SIZE)
        token = fernet.encrypt(_SEGMENT_PREFIX.pack(file_id, context, number, not following) + segment)
        written += target.write(token + b"\n")
        if not following:
            return written
        number, segment = number + 1, following


def decrypt_stream(stored, *, associated_data) -> Iterator[bytes]:
    """Yield the plain content of the binary file ``stored`` (made by ``encrypt_stream``), segment by segment.

    Args:
        stored: a binary file.
        associated_data: the bytes the file was encrypted with (``associated_data_of``).

    Raises:
        cryptography.fernet.InvalidToken: if no key decrypts a segment, or the
            segments were tampered with, reordered, dropped, cut off or taken from
            another file, or the file was made for another request or kind.
    """
    fernet = _fernet()
    if stored.readline() != HEADER:
        raise InvalidToken  # SECURITY: no other format is read, or a lone segment would pass for a whole file
    context = hashlib.sha256(associated_data).digest()
    file_id, last = None, False
    # (Not ``for line in stored``: Django's ``File`` iterates from the start again.)
    for expected, line in enumerate(iter(stored.readline, b"")):
        if last:
            raise InvalidToken  # SECURITY: nothing may follow the last segment
        plain = fernet.decrypt(line.rstrip(b"\n"))
        if len(plain) < _SEGMENT_PREFIX.size:
            raise InvalidToken
        segment_file, segment_context, number, last = _SEGMENT_PREFIX.unpack_from(plain)
        if expected == 0:
            file_id = segment_file
        if segment_file != file_id:
            raise InvalidToken  # SECURITY: a segment of another file
        if segment_context != context:
            raise InvalidToken  # SECURITY: the file of another request or kind
        if number != expected:
            raise InvalidToken  # SECURITY: a segment dropped or moved
        yield plain[_SEGMENT_PREFIX.size :]
    if not last:
        raise InvalidToken  # SECURITY: the file was cut off


#: The storage folder of the files of data-rights requests.
FILES_FOLDER = "rights-requests"
#: How long a stored file may go unrecorded before ``request_files_purge_unrecorded`` deletes it: far
#: longer than storing and recording one takes.
UNRECORDED_GRACE = datetime.timedelta(days=1)


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
        size = encrypt_stream(source, encrypted, associated_data=associated_data_of(request_id=request.pk, kind=kind))
        encrypted.seek(0)
        # SECURITY: a random name, so the storage path reveals nothing about the learner.
        name = default_storage.save(f"{FILES_FOLDER}/{uuid.uuid4().hex}.bin", File(encrypted))
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


def request_files_purge_unrecorded(*, now=None):
    """Delete stored files that no ``RequestFile`` names, once ``UNRECORDED_GRACE`` old.

    A worker killed between storing a file and recording it (``request_file_store``)
    leaves one behind: encrypted, but a copy of a learner's data that neither the
    7-day purge nor erasure knows of (GDPR Art. 5(1)(e)). A file younger than the
    grace may be one being recorded now, and is left alone.

    Returns:
        int: how many files were deleted.
    """
    return stored_files_purge_unrecorded(
        FILES_FOLDER,
        lambda: RequestFile.objects.exclude(storage_name="").values_list("storage_name", flat=True),
        now=now,
    )


def stored_files_purge_unrecorded(folder, recorded, *, now=None):
    """Delete the files of ``folder`` in the default storage that no record names, once ``UNRECORDED_GRACE`` old.

    Args:
        folder: the storage folder (str, no trailing slash).
        recorded: a callable returning the stored names (``folder/file``) records hold, read after the listing,
            so that a file recorded in between is never taken for a leftover.
        now: the time to age files against (aware datetime; default now).

    Returns:
        int: how many files were deleted.
    """
    now = now or timezone.now()
    try:
        _, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return 0  # nothing stored yet (a local directory is made by the first file)
    kept = set(recorded())
    purged = 0
    for name in (f"{folder}/{filename}" for filename in names):
        if name not in kept and now - default_storage.get_modified_time(name) > UNRECORDED_GRACE:
            default_storage.delete(name)
            purged += 1
    return purged


def request_file_open_verified(*, request_file):
    """Open ``request_file`` from storage and check that every segment decrypts, in order and complete.

    Reads and decrypts the whole file in bounded memory, keeping nothing, and
    returns it rewound, so that what is then sent is the very copy that was checked
    (S3-compatible storage is read once). A file that fails is an operational fault
    (the media restored older than the database, a storage outage, a key dropped
    too early, tampering), not the end of the learner's file: its record and
    stored name stay, so that restoring the file makes it downloadable again, and
    staff are alerted (``request_file_report_unavailable``). A file that reads
    again is cleared of its mark.

    Returns:
        the stored file (binary), open at its start; the caller closes it.

    Raises:
        RequestFileUnavailable: the file is missing, the storage unreachable, or the
            file was damaged or tampered with.
    """
    stored = None
    try:
        stored = default_storage.open(request_file.storage_name, "rb")
        for _segment in decrypt_stream(stored, associated_data=_associated_data(request_file)):
            pass
        stored.seek(0)
    except (*STORAGE_ERRORS, InvalidToken) as error:
        if stored is not None:
            stored.close()
        if isinstance(error, InvalidToken):
            reason = "damaged (it fails its integrity check)"
        elif isinstance(error, FileNotFoundError):
            reason = "missing from storage"
        else:
            reason = "unreadable (the storage did not answer, or refused)"
        request_file_report_unavailable(request_file=request_file, reason=reason)
        raise RequestFileUnavailable(request_file) from None
    if request_file.unavailable_since is not None:
        RequestFile.objects.filter(pk=request_file.pk).update(unavailable_since=None)
        request_file.unavailable_since = None
    return stored


def request_file_report_unavailable(*, request_file, reason):
    """Mark ``request_file`` unavailable and alert staff, once until it reads again.

    Logs an ERROR naming the file's id and its request's reference (never the
    learner), and emails the privacy officers and ``settings.ADMINS`` the first
    time a download finds it so; the admin queue lists the request under
    "File: unavailable" until the file reads again.

    Args:
        request_file: the ``RequestFile``.
        reason: what is wrong, in a few words for staff ("missing from storage").
    """
    reference = request_file.request.reference
    logger.error("Request file %s of request %s is %s; the download answered 503.", request_file.pk, reference, reason)
    now = timezone.now()
    first_time = RequestFile.objects.filter(pk=request_file.pk, unavailable_since__isnull=True).update(
        unavailable_since=now
    )
    request_file.unavailable_since = request_file.unavailable_since or now
    if first_time:
        # robust: a mail server that is down must not turn the learner's answer into a 500.
        transaction.on_commit(lambda: _alert_staff(request_file, reason), robust=True)


def _alert_staff(request_file, reason):
    officers = [email for email in privacy_officers().values_list("email", flat=True) if email]
    message = file_unavailable_email(request_file, reason=reason, recipients=officers)
    if officers:
        message.send()
    mail_admins(message.subject, message.body)  # settings.ADMINS, when set


def request_file_download(*, user, request_file):
    """Return the decrypted content of ``request_file`` for its owner as chunks, audited once all is sent.

    The caller has checked that ``user`` is the request's data subject and that the
    file has not expired. The whole file is checked first (``request_file_open_verified``),
    so that a damaged file is refused before anything is sent rather than cut off
    half-way; then the same copy is decrypted again as it is sent, in bounded memory:
    hand the iterator to a ``StreamingHttpResponse``.

    The download is audited (``EXPORT_DOWNLOADED``) only when the server asks for
    the chunk after the last one, that is once the whole body was handed to the
    connection: a download the client gives up on, or the server cuts off, is
    closed (``close()``) before that and is not recorded as one. The audit row keeps
    the HTTP request's id and network although it is written after the view returned.

    Returns:
        a generator of ``bytes`` (segments of the plain content).

    Raises:
        RequestFileUnavailable: see ``request_file_open_verified``; nothing is audited then.
    """
    stored = request_file_open_verified(request_file=request_file)
    audit = functools.partial(
        contextvars.copy_context().run,  # the request's id and network, gone once the view has returned
        audit_record,
        actor=user,
        subject=user,
        action=AuditEvent.Action.EXPORT_DOWNLOADED,
        changes={"request": request_file.request.reference, "kind": request_file.kind},
    )
    return _audited_once_sent(decrypt_stream(stored, associated_data=_associated_data(request_file)), stored, audit)


def _audited_once_sent(chunks, stored, audit):
    try:
        yield from chunks
    finally:
        stored.close()
    audit()  # reached only when every chunk was taken; not on close() or an error


class ChunkReader:
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


def _associated_data(request_file):
    return associated_data_of(request_id=request_file.request_id, kind=request_file.kind)


def _first_token(stored):
    stored.readline()  # the header
    return stored.readline().rstrip(b"\n").decode()


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
        associated_data = _associated_data(request_file)
        plain = ChunkReader(decrypt_stream(stored, associated_data=associated_data))
        size = encrypt_stream(plain, encrypted, associated_data=associated_data)
        encrypted.seek(0)
        new_name = default_storage.save(f"{FILES_FOLDER}/{uuid.uuid4().hex}.bin", File(encrypted))
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
    """Return the newest file of ``rights_request`` for its owner to download, audited once all of it is sent.

    The page and the API both call this. The caller has checked that ``user`` is
    the request's data subject (``selectors.access_own_request``). A file past its
    period (``RIGHTS_REQUESTS_DOWNLOAD_DAYS``) is deleted from storage here if it
    was not already.

    Returns:
        ``Download``: a ZIP for a portable copy (GDPR Art. 20), an HTML report for access (Art. 15);
        hand its ``chunks`` to a ``StreamingHttpResponse`` (bounded memory); the download is
        audited when the last chunk has been taken (``request_file_download``).

    Raises:
        Http404: the request has no file (yet).
        DownloadExpired: the file's download period is over (answer 410 Gone).
        RequestFileUnavailable: the file is missing or damaged (answer 503: an operational
            fault; the record stays and staff are alerted). Nothing is audited then.
    """
    request_file = latest_file_of(rights_request)
    if request_file is None:
        raise Http404("No file for this request.")
    if request_file.expires_at <= timezone.now() or not request_file.storage_name:
        request_file_expire(request_file=request_file)
        raise DownloadExpired(request_file)
    chunks = request_file_download(user=user, request_file=request_file)
    if request_file.kind == RequestFile.Kind.PORTABLE_EXPORT:
        content_type, suffix = "application/zip", "zip"
    else:
        content_type, suffix = "text/html; charset=utf-8", "html"
    return Download(request_file, chunks, content_type, f"learner-portal-data-{rights_request.reference}.{suffix}")
