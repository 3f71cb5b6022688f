"""Handlers whose fulfilment is a file the learner downloads: the access report, the portable copy."""

from django.utils import dateformat, timezone
from django.utils.translation import gettext

from accounts.languages import in_language_and_time_zone_of

from ..files import request_file_store
from ..leases import work_progress
from .base import Handler


class DownloadHandler(Handler):
    """Write a file about the learner, store it encrypted, and tell them until when they can download it.

    A subclass sets ``file_kind`` (a ``RequestFile.Kind``), ``ready`` (what is ready, in the
    learner's words) and ``write_file``. Approved on filing; written outside the transaction,
    since it only reads, with its progress on the learner's page.
    """

    auto_approve = True
    fulfil_in_transaction = False
    #: The ``RequestFile.Kind`` of the file.
    file_kind = ""
    #: What is ready, e.g. "Your report of all the data we hold about you".
    ready = ""

    def write_file(self, subject, *, progress):
        """Return a context manager that yields the file's bytes as a readable binary stream."""
        raise NotImplementedError

    def fulfil(self, request):
        """Write the file and store it for the learner; return the sentence telling them until when it lasts.

        The time is the learner's, the zone named ("13 January 2027, 18:00 PST"), as their page writes it.
        """
        with self.write_file(request.subject, progress=work_progress(request)) as source:
            request_file = request_file_store(request=request, kind=self.file_kind, source=source)
        # The sentence is kept on the request: written once, in the learner's language and time zone.
        with in_language_and_time_zone_of(request.subject):
            until = dateformat.format(timezone.localtime(request_file.expires_at), gettext("j F Y, H:i T"))
            return gettext(
                "%(ready)s is ready. You can download it from your request's page in your account until "
                "%(until)s; after that it is deleted and you can ask for a new one."
            ) % {"ready": self.ready, "until": until}
