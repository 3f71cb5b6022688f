"""Access: a readable report of all the learner's data (GDPR Art. 15)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import RequestFile
from ..reports import access_report_file
from .downloads import DownloadHandler


class AccessHandler(DownloadHandler):
    """Prepare the learner's access report, encrypted at rest, to download for a while (GDPR Art. 15(1), (3))."""

    type = "access"
    name = pgettext_lazy("request type, as staff name it", "Access")
    label = _("Access to your data (Art. 15)")
    article = _("GDPR Art. 15")
    title = _("Get a copy of your data")
    summary = _(
        "Find out what personal data we hold about you, why we use it, who we share it with and how long we keep it."
    )
    action = _("Ask for a copy")
    what_we_do = _("We put together a report of all the data we hold about you, with the reasons we hold it.")
    file_noun = _("report")
    download_label = _("report")
    file_kind = RequestFile.Kind.ACCESS_REPORT
    ready = _("Your report of all the data we hold about you")

    def write_file(self, subject, *, progress):
        return access_report_file(subject, progress=progress)
