"""Objection to processing: the learner stops uses of their data they did not need to agree to (GDPR Art. 21)."""

from django import forms
from django.utils.functional import lazy
from django.utils.text import get_text_list
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from compliance.registry import Purpose
from learnerportal.api.fields import BoundedListField
from privacy.models import CONSENT_PURPOSES, Consent
from privacy.selectors import OBJECTION_FINAL_PURPOSES
from privacy.services import consent_record

from ..exceptions import InvalidRequestDetails
from ..forms import RightsRequestForm, lazy_format, note_field
from .base import Handler

#: Purposes a learner may object to (GDPR Art. 21): the optional ones, not needed to run their courses.
OBJECTABLE_PURPOSES = tuple(CONSENT_PURPOSES)


def _final_purposes():
    """Return the purposes an objection stops for good, in quotes, e.g. "“marketing email”" (active language)."""
    # Translators: quotation marks around a quoted phrase, as your language writes them (Spanish: «…»).
    marks = pgettext("quoted phrase", "“%(phrase)s”")
    return get_text_list([marks % {"phrase": Purpose(purpose).label.lower()} for purpose in OBJECTION_FINAL_PURPOSES])


class ObjectionRequestForm(RightsRequestForm):
    """Objection to processing: which uses of their data the learner objects to (GDPR Art. 21)."""

    purposes = forms.MultipleChoiceField(
        label=_("Which uses of your data do you object to?"),
        required=False,
        choices=[(purpose.value, purpose.label) for purpose in map(Purpose, OBJECTABLE_PURPOSES)],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one or more."),
    )
    #: Said as a warning before the learner sends: what an objection stops for good (GDPR Art. 21(3)).
    final_warning = lazy_format(
        # Translators: %(purposes)s is one or more uses of data in quotes, joined by "or", e.g. “research”.
        _(
            "An objection to %(purposes)s is for good: you cannot turn it on again later (GDPR Art. 21(3)). "
            "The other uses you can allow again on the Privacy tab."
        ),
        purposes=lazy(_final_purposes, str)(),
    )

    note = note_field()

    def details(self):
        return {"purposes": self.cleaned_data["purposes"], "note": self.cleaned_data["note"]}


class ObjectionHandler(Handler):
    """Stop the processing the learner objects to, at once; privacy's ledger keeps marketing off for good."""

    type = "objection"
    name = pgettext_lazy("request type, as staff name it", "Objection")
    label = _("Objection to processing (Art. 21)")
    article = _("GDPR Art. 21")
    title = _("Object to how we use your data")
    summary = _(
        "Tell us to stop using your data for course news by email, recommendations, research "
        "or sharing your progress with course partners."
    )
    action = _("Raise an objection")
    what_we_do = _("We stop using your data for the uses you choose.")
    form_class = ObjectionRequestForm
    fields_template = "rights_requests/new/objection_fields.html"
    auto_approve = True
    settles_at_once = True

    def api_fields(self):
        return {
            **super().api_fields(),
            "purposes": BoundedListField(
                child=serializers.ChoiceField(choices=list(OBJECTABLE_PURPOSES)),
                max_length=len(OBJECTABLE_PURPOSES),
                required=False,
                help_text="objection (at least one): the uses of your data you object to (GDPR Art. 21).",
            ),
        }

    def clean_details(self, details, *, subject=None):
        """Return ``{"purposes": [purpose, ...], "note": str}``: one or more ``OBJECTABLE_PURPOSES``, in their order."""
        note = super().clean_details(details, subject=subject)
        purposes = details.get("purposes")
        if not isinstance(purposes, list) or not purposes:
            raise InvalidRequestDetails(gettext("Choose at least one use of your data to object to."), field="purposes")
        unknown = sorted(set(map(str, purposes)) - set(OBJECTABLE_PURPOSES))
        if unknown:
            raise InvalidRequestDetails(
                gettext("Unknown purposes: %(purposes)s.") % {"purposes": ", ".join(unknown)}, field="purposes"
            )
        return {"purposes": [p for p in OBJECTABLE_PURPOSES if p in purposes], **note}

    def details_as_text(self, request):
        purposes = [str(Purpose(p).label) if p in Purpose.values else p for p in request.details.get("purposes") or []]

        rows = [(gettext("Uses you object to"), "; ".join(purposes))] if purposes else []
        return rows + super().details_as_text(request)

    def admin_details(self, request):
        labels = dict(Purpose.choices)
        purposes = [labels.get(purpose, purpose) for purpose in request.details.get("purposes") or []]
        return super().admin_details(request) | {"purposes": purposes}

    def fulfil(self, request):
        """Withdraw consent to each purpose objected to, recorded as an objection (GDPR Art. 21)."""
        purposes = request.details.get("purposes", [])
        for purpose in purposes:
            consent_record(
                actor=None, user=request.subject, purpose=purpose, granted=False, source=Consent.Source.OBJECTION
            )
        stopped = ", ".join(Purpose(purpose).label.lower() for purpose in purposes)
        return gettext("We have stopped using your data to: %(uses)s.") % {"uses": stopped}
