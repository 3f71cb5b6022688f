"""Access: a readable report of all the learner's data (GDPR Art. 15)."""

from django.utils import dateformat, timezone

from ..files import request_file_store
from ..leases import work_progress
from ..models import RequestFile
from ..reports import access_report_file
from .base import Handler


class AccessHandler(Handler):
    """Prepare the learner's access report, encrypted at rest, to download for a while (GDPR Art. 15(1), (3))."""

    type = "access"
    label = "Access to your data (Art. 15)"
    article = "GDPR Art. 15"
    title = "Get a copy of your data"
    summary = (
        "Find out what personal data we hold about you, why we use it, who we share it with and how long we keep it."
    )
    action = "Ask for a copy"
    what_we_do = "We put together a report of all the data we hold about you, with the reasons we hold it."
    file_noun = "report"
    download_label = "report"
    auto_approve = True
    fulfil_in_transaction = False  # it only reads; its progress shows on the learner's page

    def fulfil(self, request):
        """Write the report and store it for the learner; tell them until when they can download it."""
        with access_report_file(request.subject, progress=work_progress(request)) as report:
            request_file = request_file_store(request=request, kind=RequestFile.Kind.ACCESS_REPORT, source=report)
        until = dateformat.format(timezone.localtime(request_file.expires_at), "j F Y")
        return (
            "Your report of all the data we hold about you is ready. Download it from this page, signed in, "
            f"until {until}; after that it is deleted and you can ask for a new one."
        )
