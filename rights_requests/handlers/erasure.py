"""Erasure: the learner's data erased per the registry and the account closed, for good (GDPR Art. 17)."""

from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.languages import user_language
from compliance.erasure import erasure_execute, subject_identifiers
from compliance.notice import erasure_plan, kept_after_erasure
from compliance.services import data_subject_lock

from ..models import CLOSED_BY_ERASURE, RequestFile, RightsRequest
from ..permissions import DECIDE_ERASURE
from ..workflow import TRANSITIONS, take_step
from .base import ApprovalConfirmation, Handler


class ErasureHandler(Handler):
    """Erase the learner's data, keep the receipt on the request, and close their other requests."""

    type = "erasure"
    name = pgettext_lazy("request type, as staff name it", "Erasure")
    label = _("Erasure of your data (Art. 17)")
    article = _("GDPR Art. 17")
    settles_at_once = True
    title = _("Delete your account and data")
    summary = _(
        "Ask us to erase your personal data and close your account for good. "
        "We keep only what the law makes us keep, such as payment records, without your name on them."
    )
    action = _("Ask for erasure")
    what_we_do = _(
        "Our privacy officer reviews the request. Once it is approved, we erase your data and close your account."
    )
    notice_template = "rights_requests/new/erasure_notice.html"
    requires_recent_password = True  # SECURITY: erasure cannot be undone
    decide_permission = DECIDE_ERASURE
    decide_refusal = _("an erasure request; the privacy officer decides those")
    confirm_approval = ApprovalConfirmation(
        title=_("Approve and carry out erasure?"),
        submit_label=_("Yes, erase"),
        template="admin/rights_requests/rightsrequest/erasure_confirmation.html",
    )

    def approval_confirmation_context(self):
        """Say what erasure does to each kind of record, from the personal-data registry."""
        return {"plan": erasure_plan()}

    def has_findings(self, request):
        """Return whether the receipt's scan found an identifier left somewhere (GDPR Art. 17(1))."""
        return bool((request.result or {}).get("erasure_receipt", {}).get("scan", []))

    def on_completed(self, request):
        """Close the erased learner's other open requests in the erasure's transaction (step ``close``).

        Their account is anonymised and deactivated, so nothing is left to verify,
        approve or carry them out on; staff steps on them are refused from now on.
        The learner is not emailed: their address is gone (the erasure confirmation
        says the account is closed). A restriction a restriction request started is
        not lifted here, which would email them: the erasure deleted it (registry rule).
        """
        others = (
            RightsRequest.objects.select_for_update()
            .filter(subject_id=request.subject_id, status__in=TRANSITIONS["close"].sources)
            .exclude(pk=request.pk)
            .order_by("reference")
        )
        for other in others:
            take_step(
                other,
                "close",
                actor=None,
                note=CLOSED_BY_ERASURE % {"reference": request.reference},
            )

    def fulfil(self, request):
        """Erase the learner's data per the registry and keep the receipt on the request (GDPR Art. 17).

        The learner's address is read before it is erased, and the confirmation is sent to
        it straight after the commit — it is not written anywhere (not even a task queue).
        When the receipt's scan finds an identifier left somewhere, the identifiers are
        kept on the request, encrypted, for the privacy officer's redaction and scan
        (``services.request_leftovers_resolve``); the request completes with findings.
        """
        # Lock the account first: a request the learner files from now on waits for this transaction and then
        # finds the account closed (``request_submit``); one filed before is closed with the others.
        data_subject_lock(request.subject_id)
        email, language = request.subject.email, user_language(request.subject)  # the profile goes with the data
        identifiers = subject_identifiers(request.subject)
        files = list(
            RequestFile.objects.filter(request__subject=request.subject).values_list("storage_name", flat=True)
        )
        receipt = erasure_execute(subject=request.subject)
        transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
        RightsRequest.objects.filter(pk=request.pk).update(
            result={"erasure_receipt": receipt}, erasure_identifiers=identifiers if receipt["scan"] else {}
        )
        transaction.on_commit(lambda: _confirm_erasure(email, language, request.reference, receipt))
        done = gettext(
            "We erased your data and closed your account. We keep only what the law requires, such as "
            "payment records, without your name on them."
        )
        if receipt["scan"]:
            done += " " + gettext(
                "Our check found your former details in a few more places, such as notes; our privacy team is "
                "removing them."
            )
        return done


def _confirm_erasure(email, language, reference, receipt):
    """Email the learner, at the address they had and in the language they had, that their data is erased.

    And what is kept, and why.
    """
    with translation.override(language):
        _send_erasure_confirmation(email, reference, receipt)


def _send_erasure_confirmation(email, reference, receipt):
    kept = "\n".join(f"- {description}. {what}" for description, what in kept_after_erasure(receipt["records"]))
    send_mail(
        gettext("Your data is erased (%(reference)s)") % {"reference": reference},
        gettext(
            "Hello,\n\nAs you asked, we erased your personal data and closed your Learner Portal account. "
            "Everything else we held about you is deleted. We keep only these records, because the law "
            "requires it or to show that your data was handled lawfully:\n\n%(kept)s\n\n"
            "-- Learner Portal privacy team\n"
        )
        % {"kept": kept},
        None,
        [email],
    )
