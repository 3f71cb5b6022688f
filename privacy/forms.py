"""Forms of the privacy app."""

import re

from django import forms
from django.core.exceptions import ValidationError

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


class FocusFirstErrorMixin:
    """Put the cursor in the first field with an error, wherever the page would otherwise start.

    Errors added by the view after validation (a wrong password) count too.
    """

    def add_error(self, field, error):
        """Record ``error`` as ``forms.Form`` does, then move ``autofocus`` to the first invalid field."""
        super().add_error(field, error)
        invalid = [name for name in self.fields if name in self.errors]
        if not invalid:
            return
        for name, form_field in self.fields.items():
            if name == invalid[0]:
                form_field.widget.attrs["autofocus"] = True
            else:
                form_field.widget.attrs.pop("autofocus", None)


class CodeForm(FocusFirstErrorMixin, forms.Form):
    """A code from the authenticator app, or a backup code."""

    token = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
        help_text="The 6-digit code your authenticator app shows, or one of your backup codes.",
    )


SIX_DIGITS = "Enter the 6 digits from your app."


class SetupCodeForm(FocusFirstErrorMixin, forms.Form):
    """The first code from the newly added authenticator app."""

    token = forms.CharField(
        label="Code from your app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}),
        help_text="6 digits.",
        error_messages={"min_length": SIX_DIGITS, "max_length": SIX_DIGITS},
    )

    def clean_token(self):
        """Accept six digits only: letters are a typing slip, not a wrong code."""
        token = self.cleaned_data["token"]
        if not re.fullmatch(r"[0-9]{6}", token):
            raise ValidationError(SIX_DIGITS, code="not_digits")
        return token


class PasswordForm(FocusFirstErrorMixin, forms.Form):
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
