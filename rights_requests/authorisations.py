"""Signed authorisations of agents and parents: judged by their content, stored encrypted, read back for staff.

An authorised agent or a parent filing at ``/privacy/request/`` for a learner uploads the
learner's signed permission (Cal. Code Regs. tit. 11 §7063(a)(1)) or proof of parental
responsibility (GDPR Art. 8(1)). The file is a PDF, PNG or JPEG, as its first bytes say, whatever
its name or the type the browser claims; at most ``RIGHTS_REQUESTS_AUTHORISATION_MAX_BYTES``. It is
stored in the request's ``PublicRequest.authorisation`` under a random name, encrypted at rest
and bound to its request (``files.encrypt_stream``: a file moved to another request does not
decrypt), and never served by a URL of its own: staff who work requests open it through the
admin (``agents.authorisation_open``), each opening audited.
"""

import io
import tempfile

from cryptography.fernet import InvalidToken
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from learnerportal.storage import STORAGE_ERRORS

from . import conf
from .exceptions import AuthorisationUnavailable, InvalidRequestDetails
from .files import decrypt_stream, encrypt_stream, stored_files_purge_unrecorded
from .models import AuthorisationType, PublicRequest, authorisation_upload_to

#: The storage folder of signed authorisations (``models.authorisation_upload_to``).
FOLDER = authorisation_upload_to(None, "").rsplit("/", 1)[0]
#: How far into a PDF its header may start (ISO 32000-1 §7.5.2 readers accept it within the first 1024 bytes).
PDF_HEADER_WITHIN = 1024
#: How near its end a PDF's end-of-file marker must stand.
PDF_END_WITHIN = 1024


def _megabytes(size):
    """Return ``size`` (bytes) in megabytes, in the active language's number format ("5", "6.2", "6,2")."""
    value = round(size / 1_048_576, 1)
    return formats.number_format(int(value) if value == int(value) else value)


def _size_of(uploaded):
    """Return the length of ``uploaded`` in bytes (an ``UploadedFile`` knows it; any other file is measured)."""
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, io.SEEK_END)
        size = uploaded.tell()
    return size


def authorisation_check(uploaded):
    """Return the kind of the uploaded authorisation, judged from its size and its bytes, never its name.

    Args:
        uploaded: a binary file-like object (``UploadedFile``).

    Returns:
        an ``AuthorisationType`` value ("application/pdf", "image/png" or "image/jpeg").

    Raises:
        InvalidRequestDetails: naming ``authorisation``: over the limit, or not a PDF, PNG or JPEG (an empty
            file is neither).
    """
    size = _size_of(uploaded)
    if size > conf.AUTHORISATION_MAX_BYTES:
        raise InvalidRequestDetails(
            _("This file is %(size)s MB; a signed authorisation may be at most %(limit)s MB.")
            % {"size": _megabytes(size), "limit": _megabytes(conf.AUTHORISATION_MAX_BYTES)},
            field="authorisation",
        )
    uploaded.seek(0)
    head = uploaded.read(PDF_HEADER_WITHIN)
    kind = None
    # SECURITY: the bytes decide, not the name or the Content-Type the browser sent: a web page or a
    # program renamed "letter.pdf" is refused, so staff never open anything but a document or an image.
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = AuthorisationType.PNG
    elif head.startswith(b"\xff\xd8\xff"):
        kind = AuthorisationType.JPEG
    elif b"%PDF-" in head:
        uploaded.seek(max(0, size - PDF_END_WITHIN))
        if b"%%EOF" in uploaded.read(PDF_END_WITHIN):
            kind = AuthorisationType.PDF
    uploaded.seek(0)
    if kind is None:
        raise InvalidRequestDetails(
            _(
                "This file is not a PDF, PNG or JPEG (we look at what it holds, not at its name). "
                "Scan or save the signed authorisation as one of those."
            ),
            field="authorisation",
        )
    return kind


def _associated_data(public_request):
    """Return the bytes an authorisation is bound to: the request it was uploaded with."""
    return f"agent-authorisation:{public_request.pk}".encode()


def authorisation_store(*, public_request, uploaded):
    """Check ``uploaded``, store it encrypted and record it on the saved ``public_request``.

    The file is stored first and the row updated after; if the update fails the file is deleted
    again. Call it as the last step of the transaction that made the row: a file left by a process
    killed before the commit is deleted by ``authorisations_purge_unrecorded``.

    Raises:
        InvalidRequestDetails: see ``authorisation_check``; nothing is stored.
    """
    kind = authorisation_check(uploaded)
    size = _size_of(uploaded)
    with tempfile.TemporaryFile() as encrypted:
        encrypt_stream(uploaded, encrypted, associated_data=_associated_data(public_request))
        encrypted.seek(0)
        # SECURITY: a random name (``models.authorisation_upload_to``), never the one the browser sent.
        public_request.authorisation.save("authorisation.bin", File(encrypted), save=False)
    try:
        public_request.authorisation_type = kind
        public_request.authorisation_size = size
        with transaction.atomic():
            public_request.save(update_fields=["authorisation", "authorisation_type", "authorisation_size"])
    except BaseException:
        default_storage.delete(public_request.authorisation.name)
        raise


def authorisation_read(public_request):
    """Return the plain bytes of ``public_request``'s authorisation, every segment checked (a few MB at most).

    Raises:
        AuthorisationUnavailable: the file is gone from storage, the storage does not answer, or it fails its
            integrity check (damaged, or another request's).
    """
    try:
        with default_storage.open(public_request.authorisation.name, "rb") as stored:
            return b"".join(decrypt_stream(stored, associated_data=_associated_data(public_request)))
    except (*STORAGE_ERRORS, InvalidToken):
        raise AuthorisationUnavailable() from None


def authorisation_delete(*, public_request, now=None):
    """Delete ``public_request``'s authorisation from storage after the commit; the row keeps when it was deleted.

    The caller holds the row (``select_for_update``) in a transaction.
    """
    name = public_request.authorisation.name
    if not name:
        return
    public_request.authorisation = ""
    public_request.authorisation_deleted_at = now or timezone.now()
    public_request.save(update_fields=["authorisation", "authorisation_deleted_at"])
    transaction.on_commit(lambda: default_storage.delete(name))


def authorisations_purge_unrecorded(*, now=None):
    """Delete stored authorisations that no request names, once ``files.UNRECORDED_GRACE`` old.

    A process killed between storing one and committing its request leaves it behind: encrypted, but
    a copy of someone's document nothing else would ever delete (GDPR Art. 5(1)(e)).

    Returns:
        int: how many files were deleted.
    """
    return stored_files_purge_unrecorded(
        FOLDER,
        lambda: PublicRequest.objects.exclude(authorisation="").values_list("authorisation", flat=True),
        now=now,
    )
