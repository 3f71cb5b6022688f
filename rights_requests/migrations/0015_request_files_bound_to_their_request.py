"""Rewrite stored request files in the format bound to their request (``rights_requests.files``).

Files in the earlier formats (segments carrying only their number and a last
flag, ``learner-portal-segmented-fernet-1``; or one token for the whole content)
are decrypted and encrypted again segment by segment, so the plain content is
never written anywhere, under a new random name; the row then names the new file
and the old one is deleted once that is committed. Files already in the current
format are left alone, so running this again after an interruption is safe. A
file that is missing, or that no key of ``PORTAL_ENCRYPTION_KEYS`` decrypts, is
left as it is and counted: its download is refused and staff are alerted, as for any
damaged file, and ``manage.py rights_requests_bind_files`` rewrites it once storage is
reachable again. Reversing writes the earlier segmented format back.
"""

import struct
import tempfile
import uuid

from cryptography.fernet import InvalidToken
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import migrations, transaction

from learnerportal.encryption import multi_fernet
from rights_requests import files

EARLIER_HEADER = b"learner-portal-segmented-fernet-1\n"
_EARLIER_PREFIX = struct.Struct(">I?")  # segment number, is the last segment


def _earlier_segments(stored, fernet):
    first = stored.readline()
    if first != EARLIER_HEADER:  # one token for the whole content
        yield fernet.decrypt(first + stored.read())
        return
    last = False
    for expected, line in enumerate(iter(stored.readline, b"")):
        if last:
            raise InvalidToken
        plain = fernet.decrypt(line.rstrip(b"\n"))
        number, last = _EARLIER_PREFIX.unpack_from(plain)
        if number != expected:
            raise InvalidToken
        yield plain[_EARLIER_PREFIX.size :]
    if not last:
        raise InvalidToken


def _associated_data(request_file):
    return files.associated_data_of(request_id=request_file.request_id, kind=request_file.kind)


def _to_current(stored, target, request_file):
    plain = files.ChunkReader(_earlier_segments(stored, multi_fernet()))
    return files.encrypt_stream(plain, target, associated_data=_associated_data(request_file))


def _to_earlier(stored, target, request_file):
    fernet = multi_fernet()
    segments = files.decrypt_stream(stored, associated_data=_associated_data(request_file))
    written = target.write(EARLIER_HEADER)
    number, segment = 0, next(segments, b"")
    for following in segments:
        written += target.write(fernet.encrypt(_EARLIER_PREFIX.pack(number, False) + segment) + b"\n")
        number, segment = number + 1, following
    return written + target.write(fernet.encrypt(_EARLIER_PREFIX.pack(number, True) + segment) + b"\n")


def _rewrite(apps, *, rewrite, done):
    """Rewrite each stored file with ``rewrite(stored, target, row)`` unless ``done(first line)``, a file a commit.

    Returns:
        ``(rewritten, skipped)``: how many files were rewritten, and how many could not be read.
    """
    rewritten = skipped = 0
    RequestFile = apps.get_model("rights_requests", "RequestFile")
    stored_files = RequestFile.objects.exclude(storage_name="").order_by("pk")
    for pk in stored_files.values_list("pk", flat=True):
        with transaction.atomic():
            request_file = stored_files.select_for_update().filter(pk=pk).first()
            if request_file is None:
                continue  # expired meanwhile
            old_name = request_file.storage_name
            try:
                with default_storage.open(old_name, "rb") as stored:
                    if done(stored.readline()):
                        continue
                    stored.seek(0)
                    with tempfile.TemporaryFile() as encrypted:
                        size = rewrite(stored, encrypted, request_file)
                        encrypted.seek(0)
                        new_name = default_storage.save(f"rights-requests/{uuid.uuid4().hex}.bin", File(encrypted))
            except (OSError, InvalidToken):
                skipped += 1  # missing or unreadable: left for the download to refuse and report
                continue
            request_file.storage_name, request_file.size = new_name, size
            request_file.save(update_fields=["storage_name", "size"])
            transaction.on_commit(lambda name=old_name: default_storage.delete(name))
            rewritten += 1
    return rewritten, skipped


def bind_to_requests(apps, schema_editor):
    """Rewrite the stored files in the bound format; say how many could not be read, and what to do."""
    rewritten, skipped = _rewrite(apps, rewrite=_to_current, done=lambda first_line: first_line == files.HEADER)
    if skipped:
        print(  # the operator running migrate must see this
            f"\n  {skipped} request file(s) could not be read (storage unreachable, or no key decrypts them) "
            "and stay in the earlier format, which downloads refuse. Once storage is reachable, run "
            "`manage.py rights_requests_bind_files`."
        )
    return rewritten, skipped


def unbind(apps, schema_editor):
    _rewrite(apps, rewrite=_to_earlier, done=lambda first_line: first_line != files.HEADER)


class Migration(migrations.Migration):
    # A file a transaction: one transaction would lock every row until the last file is rewritten.
    atomic = False

    dependencies = [
        ("rights_requests", "0014_request_type_choices_from_registry"),
    ]

    operations = [
        migrations.RunPython(bind_to_requests, unbind, elidable=True),
    ]
