"""Forms of the privacy app."""

from django import forms

from .models import Audience, ProfileVisibility

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

    def __init__(self, *args, visibility, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ProfileVisibility.FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=ProfileVisibility._meta.get_field(name).verbose_name,
                choices=Audience.choices,
                widget=forms.RadioSelect,
                initial=getattr(visibility, name),
                help_text=FIELD_HINTS[name],
            )
