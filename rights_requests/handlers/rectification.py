"""Rectification: the learner proposes corrections to their profile; staff approve them (GDPR Art. 16)."""

import datetime

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import dateformat
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import Profile
from accounts.services import PROFILE_EDITABLE_FIELDS, profile_changes_validate, profile_update
from accounts.validators import selectable_timezones
from learnerportal.api.fields import BoundedDictField, StrictCharField

from ..details import DETAIL_TEXT_MAX, clean_text
from ..exceptions import InvalidRequestDetails
from ..forms import RightsRequestForm, lazy_format, note_field
from ..models import RequestEvent, Status
from ..regime_rights import complaint_of
from .base import Handler

#: Profile fields a learner may ask staff to correct (GDPR Art. 16).
RECTIFIABLE_FIELDS = PROFILE_EDITABLE_FIELDS
NOT_SET = _("Not set")
NO_CHANGE = _("No change")
#: Labels of profile fields where the model's own words are not what the Account tab shows.
FIELD_LABELS = {"timezone": _("Time zone")}


def profile_field_label(name):
    """Return the label a learner knows for the profile field ``name``, e.g. "Date of birth"."""
    return str(FIELD_LABELS.get(name) or str(Profile._meta.get_field(name).verbose_name).capitalize())


def profile_value_text(name, value):
    """Return a profile value, as stored in a request's details, in words a learner reads.

    Args:
        name: a field of ``RECTIFIABLE_FIELDS``.
        value: its value as text ("" when not set): an ISO date for
            ``date_of_birth``, a country code for ``country``, a choice value for
            ``education_level``.

    Returns:
        str, e.g. "12 April 1991", "Ghana", "Master's degree" or "Not set".
    """
    if not value:
        return str(NOT_SET)
    if name == "date_of_birth":
        try:
            return dateformat.format(datetime.date.fromisoformat(value), gettext("j F Y"))
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


def _shown(field, value):
    """Return a profile value as staff read it: choice labels, country names; None when empty."""
    value = getattr(value, "code", value)  # a django-countries Country
    if value in (None, ""):
        return None
    if field is not None and field.choices:
        return dict(field.flatchoices).get(str(value), str(value))
    return str(value)


def _label(name):
    return str(Profile._meta.get_field(name).verbose_name).lower()


class RectificationRequestForm(RightsRequestForm):
    """Rectification: the proposed new value of each profile field that is wrong (GDPR Art. 16).

    Each field of ``RECTIFIABLE_FIELDS`` is offered empty, with its current value as
    its help text; a field left empty is not part of the request.
    """

    note = note_field(
        help_text=lazy_format(
            _("For example, if something should be removed rather than replaced. Up to %(limit)s characters."),
            limit=DETAIL_TEXT_MAX,
        )
    )

    def __init__(self, *args, current, **kwargs):
        """Build one field per rectifiable profile field; ``current`` is ``profile_values_as_text(profile)``."""
        super().__init__(*args, **kwargs)
        self.current = current
        for name in RECTIFIABLE_FIELDS:
            field = self._proposal_field(name)
            field.label = profile_field_label(name)
            field.help_text = gettext("Now: %(value)s") % {"value": profile_value_text(name, current[name])}
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

    def details(self):
        changes = {}
        for name in RECTIFIABLE_FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            changes[name] = value.isoformat() if isinstance(value, datetime.date) else str(value)
        return {"changes": changes, "note": self.cleaned_data["note"]}


def _as_text(value):
    """Return a cleaned profile value as a request's details keep it: ISO dates, country codes, "" for none."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(getattr(value, "code", value) or "")


class RectificationHandler(Handler):
    """Apply the corrections staff approve, with the Account tab's own rules (GDPR Art. 16)."""

    type = "rectification"
    name = pgettext_lazy("request type, as staff name it", "Rectification")
    label = _("Correction of your data (Art. 16)")
    article = _("GDPR Art. 16")
    settles_at_once = True
    title = _("Correct your data")
    summary = _("If something we hold about you is wrong or incomplete, ask us to correct it.")
    action = _("Ask for a correction")
    what_we_do = _("Our privacy team checks the corrections you propose, then makes them.")
    form_class = RectificationRequestForm
    notice_template = "rights_requests/new/rectification_notice.html"
    fields_template = "rights_requests/new/rectification_fields.html"
    approves_in_part = True

    def api_fields(self):
        return {
            **super().api_fields(),
            "changes": BoundedDictField(
                child=StrictCharField(allow_blank=True),
                max_length=len(RECTIFIABLE_FIELDS),
                required=False,
                help_text="rectification: the corrected value per profile field "
                f'({", ".join(RECTIFIABLE_FIELDS)}); "" asks to clear a field. At least one, or a note.',
            ),
        }

    def clean_details(self, details, *, subject=None):
        """Return ``{"changes": {field: new value as text}, "note": str}``: at least one change, or a note.

        Fields come from ``RECTIFIABLE_FIELDS``; "" asks to clear one. With ``subject``,
        each value is checked with the Account tab's rules, so a correction asked for
        is one the learner could have made themself; the error then names every
        refused field (``errors``), ``within`` "changes".
        """
        note = super().clean_details(details, subject=subject)["note"]
        changes = details.get("changes") or {}
        if not isinstance(changes, dict) or not (changes or note):
            raise InvalidRequestDetails(
                gettext("Give the corrected value of at least one field, or describe the correction in the note."),
                field="changes",
            )
        unknown = sorted(set(changes) - set(RECTIFIABLE_FIELDS))
        if unknown:
            raise InvalidRequestDetails(
                gettext("These fields cannot be corrected here: %(fields)s.") % {"fields": ", ".join(unknown)},
                field="changes",
            )
        try:
            cleaned = {name: clean_text(value, name, required=False) for name, value in changes.items()}
        except InvalidRequestDetails as error:
            raise InvalidRequestDetails(error.detail, field=error.field, within="changes") from None
        if subject is not None:
            try:
                accepted = profile_changes_validate(user=subject, changes=cleaned)
            except ValidationError as error:
                errors = {name: messages[0] for name, messages in error.message_dict.items()}
                name, message = next(iter(errors.items()))
                raise InvalidRequestDetails(message, field=name, within="changes", errors=errors) from None
            # Kept as the profile would store them ("usa" → "US"), so staff review what would be applied.
            cleaned = {name: _as_text(value) for name, value in accepted.items()}
        return {"changes": cleaned, "note": note}

    def form_kwargs(self, user):
        return {"current": profile_values_as_text(Profile.objects.get(user=user))}

    def details_as_text(self, request):
        changes = request.details.get("changes", {})
        # Stored as jsonb, which does not keep key order: list the fields in profile order.
        order = [name for name in RECTIFIABLE_FIELDS if name in changes] + sorted(
            set(changes) - set(RECTIFIABLE_FIELDS)
        )
        rows = [
            (
                gettext("%(field)s should be") % {"field": profile_field_label(name)},
                profile_value_text(name, changes[name]),
            )
            if changes[name] not in ("", None)
            else (profile_field_label(name), gettext("Remove it: leave it empty"))
            for name in order
        ]
        return rows + super().details_as_text(request)

    def admin_details(self, request):
        changes = self._proposed_changes(request.subject, request.details.get("changes") or {})
        return super().admin_details(request) | {"changes": changes, "by_hand": not changes}

    @staticmethod
    def _proposed_changes(subject, changes):
        """Return ``[{"label", "current", "proposed"}]`` from the learner's profile today."""
        profile = subject.profile
        order = {name: index for index, name in enumerate(RECTIFIABLE_FIELDS)}
        rows = []
        for name, proposed in sorted(changes.items(), key=lambda item: order.get(item[0], len(order))):
            try:
                field = profile._meta.get_field(name)
            except FieldDoesNotExist:
                field, label, current = None, name, None
            else:
                label, current = capfirst(field.verbose_name), _shown(field, getattr(profile, name))
            rows.append({"label": label, "current": current, "proposed": _shown(field, proposed)})
        return rows

    def approvable_parts(self, request):
        return request.details.get("changes") or {}

    def approvable_part_in_words(self, part, proposed):
        return profile_field_label(part), profile_value_text(part, proposed) if proposed else ""

    def approve_in_part(self, request, approved, note):
        """Record the proposed corrections staff accept (GDPR Art. 16: they may accept only some).

        The learner must be told why the others are not made (GDPR Art. 12(4)).
        """
        proposed = self.approvable_parts(request)
        if not set(approved) <= set(proposed):
            raise InvalidRequestDetails(
                gettext("Approve only corrections the learner proposed."), field="approved_fields"
            )
        if set(approved) != set(proposed) and not note.strip():
            raise InvalidRequestDetails(gettext("Tell the learner why some corrections are not made."), field="note")
        return request.details | {"approved_fields": sorted(approved)}

    def fulfil(self, request):
        """Apply the approved corrections, each checked on its own with the Account tab's rules.

        Valid ones are applied (audited as any profile change), refused ones are
        reported to the learner with the reason. A correction described only in
        words is left for staff (returns None).
        """
        changes = request.details.get("changes") or {}
        if not changes:
            return None
        approved = request.details.get("approved_fields")
        declined = [] if approved is None else [name for name in changes if name not in approved]
        if approved is not None:
            changes = {name: value for name, value in changes.items() if name in approved}
        accepted, refused = {}, {}
        for name, value in changes.items():
            try:
                accepted |= profile_changes_validate(user=request.subject, changes={name: value})
            except ValidationError as error:
                refused[name] = error.message_dict[name][0]
        if accepted:
            profile_update(actor=None, user=request.subject, data=accepted)
        lines = []
        if accepted:
            lines.append(
                gettext("We corrected: %(fields)s.") % {"fields": ", ".join(_label(name) for name in accepted)}
            )
        lines.extend(
            gettext("We could not change %(field)s: %(reason)s") % {"field": _label(name), "reason": reason}
            for name, reason in refused.items()
        )
        if declined:
            approval = request.events.filter(action=RequestEvent.Action.APPROVED).order_by("-created_at").first()
            lines.append(
                gettext("Our team did not make these corrections: %(fields)s. Why: %(reason)s")
                % {"fields": ", ".join(_label(name) for name in declined), "reason": approval.note.strip()}
            )
        if declined or refused:
            # GDPR Art. 12(4): a learner whose request is not met is told of the right to complain.
            lines.append(
                gettext(
                    "If you disagree, reply to our email or ask again; you may also complain to %(authority)s "
                    "(%(citation)s)."
                )
                % complaint_of(request)
            )
        return " ".join(lines) or gettext("We made no change.")

    def explain_status(self, request):
        """A correction described only in words is made by staff by hand once approved: say so while it is."""
        if request.status == Status.PROCESSING and not (request.details or {}).get("changes"):
            return gettext(
                "Our team is making the correction you described by hand. We will email you when it is done, "
                "with what we changed."
            )

        return None
