"""Forms of the privacy app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from compliance.activity import ActivityKind

from .models import CONSENT_PURPOSES, Audience, ProfileVisibility

#: Plain-language hints shown under each field's question on the Privacy tab.
FIELD_HINTS = {
    "full_name": _("Shown as your profile's title. Otherwise people see only your username."),
    "photo": _("Your profile picture."),
    "bio": _("The short text about yourself from the Account tab."),
    "country": _("The country from the Account tab."),
    "education": _("Your education level and occupation."),
    "courses": _("The courses you are enrolled in."),
    "accomplishments": _("The courses you have completed."),
}


class VisibilityForm(forms.Form):
    """Choose an audience for each shareable profile field."""

    def __init__(self, *args, audiences, young=False, **kwargs):
        """``audiences``: ``{field: Audience}`` in force (``selectors.audiences_in_force``), the initial choices."""
        super().__init__(*args, **kwargs)
        # Under the digital age of consent, "Everyone" is not offered (GDPR Art. 8).
        choices = [choice for choice in Audience.choices if not (young and choice[0] == Audience.PUBLIC)]
        for name in ProfileVisibility.FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=ProfileVisibility._meta.get_field(name).verbose_name,
                choices=choices,
                widget=forms.RadioSelect,
                initial=audiences[name],
                help_text=FIELD_HINTS[name],
            )


class ConsentForm(forms.Form):
    """Grant or withdraw one optional purpose: one click either way (GDPR Art. 7(3))."""

    purpose = forms.ChoiceField(choices=[(key, key) for key in CONSENT_PURPOSES])
    granted = forms.TypedChoiceField(choices=[("1", _("On")), ("0", _("Off"))], coerce=lambda value: value == "1")


#: A page link of the Account activity page that no page of it made.
PAGE_LINK_ERRORS = {
    "invalid": _("This page of your activity does not exist."),
    "min_value": _("This page of your activity does not exist."),
}


class ActivityFilterForm(forms.Form):
    """Read the Account activity page's query: which kind of event, and which page (a link's, never typed)."""

    kind = forms.ChoiceField(
        choices=ActivityKind.choices,
        required=False,
        error_messages={"invalid_choice": _("There is no such kind of activity: choose one of the filters.")},
    )
    before = forms.IntegerField(min_value=1, required=False, error_messages=PAGE_LINK_ERRORS)
    after = forms.IntegerField(min_value=1, required=False, error_messages=PAGE_LINK_ERRORS)

    def clean(self):
        """Refuse a page both before and after an event (a link never asks for that)."""
        cleaned = super().clean()
        if cleaned.get("before") and cleaned.get("after"):
            raise forms.ValidationError(_("Choose older or newer activity, not both."), code="both_directions")
        return cleaned
