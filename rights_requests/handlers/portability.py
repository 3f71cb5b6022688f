"""Portability: a ZIP of JSON and CSV per category, for another service to read (GDPR Art. 20)."""

from django.utils import dateformat, timezone

from ..files import request_file_store
from ..leases import work_progress
from ..models import RequestFile
from ..portability import portable_export_file
from .base import Handler


class PortabilityHandler(Handler):
    """Prepare the learner's portable copy (ZIP of JSON and CSV), encrypted at rest (GDPR Art. 20)."""

    type = "portability"
    label = "A portable copy of your data (Art. 20)"
    article = "GDPR Art. 20"
    title = "Take your data elsewhere"
    summary = (
        "Get the data you gave us and your learning history in files other services can read "
        "(JSON and CSV), to keep or to move to another provider."
    )
    action = "Ask for a portable copy"
    what_we_do = "We prepare a file with your data for you to download."
    file_noun = "portable copy"
    download_label = "portable copy (ZIP)"
    auto_approve = True
    fulfil_in_transaction = False  # it only reads; its progress shows on the learner's page

    def fulfil(self, request):
        """Write the copy and store it for the learner; tell them until when they can download it."""
        with portable_export_file(request.subject, progress=work_progress(request)) as archive:
            request_file = request_file_store(request=request, kind=RequestFile.Kind.PORTABLE_EXPORT, source=archive)
        until = dateformat.format(timezone.localtime(request_file.expires_at), "j F Y")
        return (
            "Your portable copy (a ZIP of JSON and CSV files) is ready. Download it from this page, signed in, "
            f"until {until}; after that it is deleted and you can ask for a new one."
        )
