"""Re-encrypt everything encrypted at rest with the first key of ``PORTAL_ENCRYPTION_KEYS``.

Key rotation: put the new key first (keep the old ones after it), run this, then
remove the old keys. The erasure scan's search tokens (``compliance.search``) are written
again under the new key too. Works in batches, each in its own transaction; values and
files already under the first key are skipped, so an interrupted run can simply
be started again. Prints only counts.
"""

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from compliance.search import search_tokens_fields, search_tokens_refresh
from learnerportal.encryption import encrypted_columns, rotate_column
from rights_requests.files import request_file_rotate
from rights_requests.models import RequestFile


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields and data-rights files with the first key (resumable, in batches)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            for model, field in encrypted_columns():
                last_pk, rotated, seen = None, 0, 0
                while True:
                    last_pk, done, read = rotate_column(model, field, batch_size=batch_size, after_pk=last_pk)
                    rotated, seen = rotated + done, seen + read
                    if last_pk is None:
                        break
                self.stdout.write(f"{model._meta.label}.{field.name}: {rotated} of {seen} value(s) re-encrypted.")
            for model in apps.get_models():
                if search_tokens_fields(model):
                    written = search_tokens_refresh(model, batch_size=batch_size)
                    self.stdout.write(f"{model._meta.label}: search tokens of {written} row(s) written.")
            files = RequestFile.objects.exclude(storage_name="").order_by("pk")
            rotated = sum(request_file_rotate(request_file=request_file) for request_file in files.iterator())
            self.stdout.write(f"Data-rights files: {rotated} re-encrypted.")
        except InvalidToken:
            raise CommandError(
                "A value could not be decrypted with any configured key: add the key it was encrypted with "
                "to PORTAL_ENCRYPTION_KEYS (after the new one) and run again. Work done so far is kept."
            ) from None
