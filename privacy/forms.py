"""Forms of the privacy app."""

from django import forms

from .models import CONSENT_PURPOSES, Audience, ProfileVisibility

#: Plain-language hints shown under each field's question on the Privacy tab.
FIELD_HINTS = {
    "full_name": "Shown as your profile's title. Otherwise people see only your username.",
    "photo": "Your profile picture.",
    "bio": "The short text about yourself from the Account tab.",
    "country": "The country from the Account tab.",
    "education": "Your education level and occupation.",
    "courses": "The courses you are enrolled in.",
    "accomplishments": "The courses you have completed.",
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
    granted = forms.TypedChoiceField(choices=[("1", "On"), ("0", "Off")], coerce=lambda value: value == "1")
