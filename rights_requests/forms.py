"""Forms of the rights_requests app: what a learner tells us when starting each kind of request.

The forms only parse what was typed into the shape ``services.request_submit``
expects; the service decides what a valid request is, and its
``InvalidRequestDetails`` is shown beside the field it names.
"""

import datetime

from django import forms
from django.utils import dateformat
from django_countries import countries

from accounts.models import Profile, selectable_timezones
from compliance.registry import Purpose
from privacy.selectors import OBJECTION_FINAL_PURPOSES

from .models import RequestType
from .services import DETAIL_TEXT_MAX, OBJECTABLE_PURPOSES, RECTIFIABLE_FIELDS

NOT_SET = "Not set"
NO_CHANGE = "No change"
#: Labels of profile fields where the model's own words are not what the Account tab shows.
FIELD_LABELS = {"timezone": "Time zone"}


def profile_field_label(name):
    """Return the label a learner knows for the profile field ``name``, e.g. "Date of birth"."""
    return FIELD_LABELS.get(name) or str(Profile._meta.get_field(name).verbose_name).capitalize()


def profile_value_text(name, value):
    """Return a profile value, as stored in a request's details, in words a learner reads.

    Args:
        name: a field of ``services.RECTIFIABLE_FIELDS``.
        value: its value as text ("" when not set): an ISO date for
            ``date_of_birth``, a country code for ``country``, a choice value for
            ``education_level``.

    Returns:
        str, e.g. "12 April 1991", "Ghana", "Master's degree" or "Not set".
    """
    if not value:
        return NOT_SET
    if name == "date_of_birth":
        try:
            return dateformat.format(datetime.date.fromisoformat(value), "j F Y")
        except ValueError:
            return value
    if name == "country":
        return countries.name(value) or value
    choices = dict(Profile._meta.get_field(name).flatchoices)
    return str(choices.get(value, value))


def profile_values_as_text(profile):
    """Return ``{field: value as text}`` of the profile's rectifiable fields, in the shape of a request's details."""
    values = {}
    for name in RECTIFIABLE_FIELDS:
        value = getattr(profile, name)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        values[name] = str(value or "")
    return values


def note_field(label="Anything you would like to add? (optional)", help_text=""):
    """Return the optional free-text field most requests have."""
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text or f"Up to {DETAIL_TEXT_MAX} characters.",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": DETAIL_TEXT_MAX}),
    )


class RightsRequestForm(forms.Form):
    """Base of the forms that start a request.

    Fields are optional here on purpose: ``request_submit`` decides what each
    type needs, so the page and the API refuse the same things with the same words.
    """

    def details(self):
        """Return the request's details for ``request_submit``, from ``cleaned_data``."""
        return {"note": self.cleaned_data["note"]}

    def add_service_error(self, error):
        """Show an ``InvalidRequestDetails`` beside the field it names, or above the form."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, forms.ValidationError(error.detail, code=error.code))


class NoteRequestForm(RightsRequestForm):
    """Access, portability and erasure: nothing to choose, an optional note."""

    note = note_field()


class RestrictionRequestForm(RightsRequestForm):
    """Restriction of processing: why (GDPR Art. 18(1) lists the grounds)."""

    reason = forms.CharField(
        label="Why should we stop using your data for now?",
        required=False,
        help_text="For example: your data is wrong and you want us to stop using it until it is corrected; "
        "you have objected to how we use it and are waiting for our answer; "
        "or you need us to keep it for a legal claim.",
        widget=forms.Textarea(attrs={"rows": 5, "required": True, "maxlength": DETAIL_TEXT_MAX}),
    )

    def details(self):
        return {"reason": self.cleaned_data["reason"]}


class ObjectionRequestForm(RightsRequestForm):
    """Objection to processing: which uses of their data the learner objects to (GDPR Art. 21)."""

    purposes = forms.MultipleChoiceField(
        label="Which uses of your data do you object to?",
        required=False,
        choices=[(purpose.value, purpose.label) for purpose in map(Purpose, OBJECTABLE_PURPOSES)],
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Choose one or more. An objection to "
            + " or ".join(f"“{Purpose(purpose).label.lower()}”" for purpose in OBJECTION_FINAL_PURPOSES)
            + " is for good: you cannot turn it on again later (GDPR Art. 21(3)). The other uses you can allow "
            "again on the Privacy tab."
        ),
    )
    note = note_field()

    def details(self):
        return {"purposes": self.cleaned_data["purposes"], "note": self.cleaned_data["note"]}


class RectificationRequestForm(RightsRequestForm):
    """Rectification: the proposed new value of each profile field that is wrong (GDPR Art. 16).

    Each field of ``services.RECTIFIABLE_FIELDS`` is offered empty, with its
    current value as its help text; a field left empty is not part of the request.
    """

    note = note_field(
        help_text="For example, if something should be removed rather than replaced. "
        f"Up to {DETAIL_TEXT_MAX} characters."
    )

    def __init__(self, *args, current, **kwargs):
        """Build one field per rectifiable profile field; ``current`` is ``profile_values_as_text(profile)``."""
        super().__init__(*args, **kwargs)
        self.current = current
        for name in RECTIFIABLE_FIELDS:
            field = self._proposal_field(name)
            field.label = profile_field_label(name)
            field.help_text = f"Now: {profile_value_text(name, current[name])}"
            field.widget.attrs["autocomplete"] = "off"
            self.fields[name] = field
        self.order_fields([*RECTIFIABLE_FIELDS, "note"])

    @staticmethod
    def _proposal_field(name):
        if name == "timezone":
            zones = selectable_timezones()
            return forms.ChoiceField(
                required=False, choices=[("", NO_CHANGE)] + [(z, z.replace("_", " ")) for z in zones]
            )
        if name == "date_of_birth":
            return forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        if name == "bio":
            return forms.CharField(
                required=False, max_length=Profile.BIO_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
            )
        field = Profile._meta.get_field(name).formfield(required=False)
        if getattr(field, "choices", None):
            field.choices = [("", NO_CHANGE), *[choice for choice in field.choices if choice[0]]]
        return field

    def change_fields(self):
        """Return the bound fields of the proposed values, in profile order."""
        return [self[name] for name in RECTIFIABLE_FIELDS]

    def clean(self):
        cleaned = super().clean()
        for name in RECTIFIABLE_FIELDS:
            value = cleaned.get(name)
            if value in (None, ""):
                continue
            try:
                # The rules the Account tab applies (phone format, known time zone, length).
                Profile._meta.get_field(name).run_validators(value)
            except forms.ValidationError as error:
                self.add_error(name, error)
        return cleaned

    def details(self):
        changes = {}
        for name in RECTIFIABLE_FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            changes[name] = value.isoformat() if isinstance(value, datetime.date) else str(value)
        return {"changes": changes, "note": self.cleaned_data["note"]}


#: The form that starts each type of request.
FORMS = {
    RequestType.ACCESS: NoteRequestForm,
    RequestType.RECTIFICATION: RectificationRequestForm,
    RequestType.ERASURE: NoteRequestForm,
    RequestType.RESTRICTION: RestrictionRequestForm,
    RequestType.PORTABILITY: NoteRequestForm,
    RequestType.OBJECTION: ObjectionRequestForm,
}
