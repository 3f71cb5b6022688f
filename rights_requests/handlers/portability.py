"""Portability: a ZIP of JSON and CSV per category, for another service to read (GDPR Art. 20)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import RequestFile
from ..portability import portable_export_file
from .downloads import DownloadHandler


class PortabilityHandler(DownloadHandler):
    """Prepare the learner's portable copy (ZIP of JSON and CSV), encrypted at rest (GDPR Art. 20)."""

    type = "portability"
    name = pgettext_lazy("request type, as staff name it", "Portability")
    label = _("A portable copy of your data (Art. 20)")
    article = _("GDPR Art. 20")
    title = _("Take your data elsewhere")
    summary = _(
        "Get the data you gave us and your learning history in files other services can read "
        "(JSON and CSV), to keep or to move to another provider."
    )
    action = _("Ask for a portable copy")
    what_we_do = _("We prepare a file with your data for you to download.")
    file_noun = _("portable copy")
    download_label = _("portable copy (ZIP)")
    file_kind = RequestFile.Kind.PORTABLE_EXPORT
    ready = _("Your portable copy (a ZIP of JSON and CSV files)")

    def write_file(self, subject, *, progress):
        return portable_export_file(subject, progress=progress)
