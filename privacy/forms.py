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

    def __init__(self, *args, visibility, young=False, **kwargs):
        super().__init__(*args, **kwargs)
        # Under the digital age of consent, "Everyone" is not offered (GDPR Art. 8).
        choices = [choice for choice in Audience.choices if not (young and choice[0] == Audience.PUBLIC)]
        for name in ProfileVisibility.FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=ProfileVisibility._meta.get_field(name).verbose_name,
                choices=choices,
                widget=forms.RadioSelect,
                initial=Audience.LEARNERS
                if young and getattr(visibility, name) == Audience.PUBLIC
                else getattr(visibility, name),
                help_text=FIELD_HINTS[name],
            )


class CodeForm(forms.Form):
    """A code from the authenticator app, or a backup code."""

    token = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
        help_text="The 6-digit code your authenticator app shows, or one of your backup codes.",
    )


class SetupCodeForm(forms.Form):
    """The first code from the newly added authenticator app."""

    token = forms.CharField(
        label="Code from your app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}),
        help_text="6 digits.",
    )


class PasswordForm(forms.Form):
    """The account's password, asked again before a sensitive change."""

    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordAndCodeForm(PasswordForm, CodeForm):
    """The password and a current code: asked before turning 2FA off or making new backup codes."""


class ConsentForm(forms.Form):
    """Grant or withdraw one optional purpose: one click either way (GDPR Art. 7(3))."""

    purpose = forms.ChoiceField(choices=[(key, key) for key in CONSENT_PURPOSES])
    granted = forms.TypedChoiceField(choices=[("1", "On"), ("0", "Off")], coerce=lambda value: value == "1")
