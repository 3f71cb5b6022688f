"""Confirmation of processing: whether, which, why and on which basis we process the learner's data (LGPD Art. 19 I).

The simplified form, answered at once (LGPD Art. 19 I): generated from the personal-data
registry and the records that hold something about the learner, kept on the request as
codes (``compliance.notice.processing_confirmation``) and put in words when read. The
complete declaration (origin, records, criteria; Art. 19 II) is the access report.
"""

from django.utils import dateformat, timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.languages import in_language_and_time_zone_of
from compliance.notice import processing_confirmation
from compliance.registry import Category, LawfulBasis, Purpose, registry

from ..models import RightsRequest
from .base import Handler

#: The registry's lawful bases (GDPR Art. 6(1)) as the LGPD names them (Art. 7): the learner asking under
#: the LGPD reads its own law's words.
LGPD_BASES = {
    LawfulBasis.CONSENT: _("consent (LGPD Art. 7, I)"),
    LawfulBasis.CONTRACT: _("performance of a contract (LGPD Art. 7, V)"),
    LawfulBasis.LEGAL_OBLIGATION: _("compliance with a legal obligation (LGPD Art. 7, II)"),
    LawfulBasis.VITAL_INTERESTS: _("protection of life (LGPD Art. 7, VII)"),
    LawfulBasis.PUBLIC_TASK: _("public administration (LGPD Art. 7, III)"),
    LawfulBasis.LEGITIMATE_INTERESTS: _("legitimate interests (LGPD Art. 7, IX)"),
}


def record_names(labels):
    """Return the declared records ``labels`` as the learner reads them ("Your account; Your profile")."""
    names = []
    for label in labels:
        declaration = next((d for d in registry if d.label == label), None)
        names.append(gettext(declaration.description) if declaration else label)
    return "; ".join(names)


def answered_on(request):
    """Return the row saying when ``request`` was answered, in the active language and time zone.

    Returns:
        ``(label, text)``, e.g. ``("Answered on", "7 December 2026")``.
    """
    return gettext("Answered on"), dateformat.format(timezone.localtime(request.completed_at), gettext("j F Y"))


class ConfirmationHandler(Handler):
    """Confirm, at once and from the registry, which of the learner's data the portal processes (LGPD Art. 19 I).

    Nothing to review: approved on filing and answered in the same minute. The answer is
    kept on the request (``result["confirmation"]``) and erased with it: an erasure deletes
    the learner's requests' details and results as the registry says.
    """

    type = "confirmation"
    name = pgettext_lazy("request type, as staff name it", "Confirmation of processing")
    label = _("Confirmation of processing (LGPD)")
    article = _("LGPD Art. 18, I and Art. 19, I")
    title = _("Confirm whether we process your data")
    summary = _(
        "Find out at once whether we process personal data about you: which kinds, for what and on which legal basis."
    )
    action = _("Ask for a confirmation")
    what_we_do = _(
        "We answer at once on your request's page and by email: the kinds of data we hold about you, why we use "
        "them and on which legal basis. For every detail, ask for a copy of your data."
    )
    auto_approve = True
    settles_at_once = True

    def fulfil(self, request):
        """Keep the confirmation, read from the registry now, on the request; return the note saying so."""
        answer = {"confirmation": processing_confirmation(request.subject)}
        RightsRequest.objects.filter(pk=request.pk).update(result=answer)
        request.result = answer
        with in_language_and_time_zone_of(request.subject):
            if not answer["confirmation"]:
                return gettext("We confirm that we hold no personal data about you.")
            return gettext(
                "We confirm that we process personal data about you. What we hold, why and on which legal basis "
                "is set out below."
            )

    def statement(self, request):
        """Return the confirmation: one section per category of data, with records, purposes and lawful bases."""
        categories = (request.result or {}).get("confirmation")
        if categories is None:
            return []
        if not categories:
            return [(gettext("We hold no personal data about you."), [answered_on(request)])]
        sections = [(gettext("Yes: we process personal data about you."), [answered_on(request)])]
        for entry in categories:
            uses = [
                gettext("%(purpose)s, on the basis of %(basis)s")
                % {"purpose": Purpose(purpose).label, "basis": LGPD_BASES.get(basis, basis)}
                for purpose, basis in entry["processing"]
            ]
            sections.append(
                (
                    str(Category(entry["category"]).label),
                    [
                        (gettext("Where we hold it"), record_names(entry["records"])),
                        (gettext("What for, and on which legal basis"), "\n".join(uses)),
                    ],
                )
            )
        return sections
