"""Forms of the accounts app: sign-up, sign-in and its code step, the Account tab, second factors."""

import re

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from compliance.regimes import STATE_COUNTRY

from . import conf
from .languages import in_language_and_time_zone_of
from .models import Profile, User, validate_username_unlike_staff
from .services import PROFILE_EDITABLE_FIELDS
from .validators import selectable_timezones, validate_email_deliverable, validate_username_not_reserved

#: One wording of the password rules for every form that sets a password.
PASSWORD_HELP = _("At least 10 characters; not a common password, not only digits, not like your username or email.")


def _profile_address_hint_now():
    """Return the sign-up's username hint, its path kept left to right (``<bdi dir="ltr">``) in any page direction.

    In a right-to-left page the path's slashes and angle brackets would otherwise take the
    sentence's direction and reorder ("/learners/<username>/." drawn as "./<username>/learners/").
    """
    path = format_html('<bdi dir="ltr" translate="no">{}</bdi>', "/learners/<username>/")
    return format_html(gettext("Public: your profile's address will be {path}."), path=path)


_profile_address_hint = lazy(_profile_address_hint_now, SafeString)


class SignupForm(forms.Form):
    """Sign up with a username, an email address and a password (entered twice); the address is confirmed by email."""

    username = forms.CharField(
        label=_("Username"),
        max_length=30,
        help_text=_profile_address_hint(),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        validators=[validate_email_deliverable],
        help_text=_("Private: we use it to sign you in and to reach you. We email you a link to finish signing up."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HELP,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        User._meta.get_field("username").run_validators(username)
        validate_username_not_reserved(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken."), code="username_taken")
        validate_username_unlike_staff(username)
        return username

    def clean_email(self):
        # SECURITY: a taken address is not refused here: the form answers the same for it, and
        # its owner is emailed instead (``signup_request``), so nobody learns which addresses
        # have an account. Usernames are public handles, so a taken one is reported.
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1:
            candidate = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        if password1 and password2 and password1 != password2:
            self.add_error("password2", forms.ValidationError(_("The two passwords differ."), code="password_mismatch"))
        return cleaned


class SignInForm(AuthenticationForm):
    """Sign in with a username or an email address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # SECURITY: one message for both cases, so the form does not reveal which accounts exist.
        "invalid_login": _("That username or email and password do not match an account. Check both and try again."),
    }

    username = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )


class PasswordRulesMixin:
    """Explain the password rules in words and report broken rules beside the new password."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password2"].label = _("New password again")
        # Django's hint ("Enter the same password as before…") says what the label says, and in Spanish as "usted".
        self.fields["new_password2"].help_text = ""

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


class PasswordChangeForm(PasswordRulesMixin, auth_forms.PasswordChangeForm):
    """Change the password: the current one, then the new one twice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        # The form sits below other settings on the Security tab: the page starts at the top.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class SetPasswordForm(PasswordRulesMixin, auth_forms.SetPasswordForm):
    """Choose a new password from a reset link."""


NOT_SET = _("Not set")
#: The Account tab's language left unchosen: pages follow the browser's Accept-Language.
BROWSER_LANGUAGE = _("Your browser's language")


class ProfileForm(forms.Form):
    """The Account tab: the learner's own profile fields and photo.

    The form reads what was typed into Python values (a date, a choice from its
    list); whether they are acceptable is ``services.profile_update``'s to say, and
    its refusals are shown beside their fields (``add_error(None, error)``).
    """

    photo = forms.FileField(
        label=_("Choose a new photo"),
        required=False,
        help_text=format_lazy(
            _("JPEG, PNG or WebP, up to {megabytes} MB. We remove location and camera data from it."),
            megabytes=conf.PHOTO_MAX_BYTES // 1_048_576,
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(required=False, label=_("Remove my photo"))

    def __init__(self, *args, profile, **kwargs):
        """Offer ``profile``'s editable fields, as the model defines them, filled with its values."""
        super().__init__(*args, initial=model_to_dict(profile, fields=PROFILE_EDITABLE_FIELDS), **kwargs)
        fields = forms.fields_for_model(
            Profile,
            fields=PROFILE_EDITABLE_FIELDS,
            widgets={
                "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
                "bio": forms.Textarea(attrs={"rows": 4}),
                "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
                "date_of_birth": forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
                "occupation": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            },
            help_texts={
                "bio": _("Up to %(count)s characters.") % {"count": Profile.BIO_MAX_LENGTH},
                "phone": _("Never shown on your profile."),
                "date_of_birth": _("Never shown on your profile."),
            },
        )
        fields["timezone"] = forms.ChoiceField(
            required=False,
            label=_("Time zone"),
            help_text=_(
                "Times on your pages, in our emails and in your reports are shown in it. "
                "Left unset, the platform's: %(time_zone)s."
            )
            % {"time_zone": settings.TIME_ZONE.replace("_", " ")},
            choices=[("", NOT_SET)] + [(name, name.replace("_", " ")) for name in selectable_timezones()],
        )
        fields["language"] = forms.ChoiceField(
            required=False,
            label=_("Language"),
            help_text=_("Your pages, our emails and your reports are written in it."),
            choices=[("", BROWSER_LANGUAGE), *settings.LANGUAGES],
        )
        fields["us_state"].help_text = _(
            "Only if you live in the United States: which state's privacy law protects your data depends on it."
        )
        for name in ("country", "us_state", "education_level"):
            fields[name].choices = [("", NOT_SET), *[c for c in fields[name].choices if c[0]]]
        self.fields = {**fields, **self.fields}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("country") != STATE_COUNTRY:
            # A state is kept only for a learner in the United States (``Profile.clean``).
            cleaned["us_state"] = ""
        if cleaned.get("photo") and cleaned.get("remove_photo"):
            self.add_error(
                "photo",
                forms.ValidationError(
                    _("Choose a new photo or remove the current one, not both."), code="photo_conflict"
                ),
            )
        return cleaned

    def profile_data(self):
        """Return ``{field: value}`` of the profile fields read without error, for ``profile_update``."""
        return {name: self.cleaned_data[name] for name in PROFILE_EDITABLE_FIELDS if name in self.cleaned_data}


class PersonalAccessTokenForm(forms.Form):
    """Make an API token: what it is for, what it may do, how long it lasts."""

    name = forms.CharField(
        label=_("What is this token for?"),
        max_length=60,
        help_text=_("For example “Backup script” or “Study planner app”. Only you see it."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        label=_("What may it do?"),
        choices=[
            ("read", _("Read only — see your profile, privacy settings, consents and requests, download your data")),
            ("read_write", _("Read and write — also change settings and consents, file and withdraw requests")),
        ],
        initial="read",
        widget=forms.RadioSelect,
    )
    lifetime_days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        choices=[(30, _("30 days")), (90, _("90 days")), (365, _("1 year"))],
        initial=30,
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's password reset by email, the email written in the account owner's language and time zone."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """Send the reset link as Django does, translated for ``context["user"]``, not for whoever asked."""
        with in_language_and_time_zone_of(context["user"]):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


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
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
        help_text=_("The 6-digit code your authenticator app shows, or one of your backup codes."),
        error_messages={
            "required": _("Enter the code from your authenticator app, or a backup code."),
            "max_length": _("That is longer than any code: your app shows 6 digits, a backup code has 10 characters."),
        },
    )


SIX_DIGITS = _("Enter the 6 digits from your app.")


class SetupCodeForm(FocusFirstErrorMixin, forms.Form):
    """The first code from the newly added authenticator app."""

    token = forms.CharField(
        label=_("Code from your app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}),
        help_text=_("6 digits."),
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
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordAndCodeForm(PasswordForm, CodeForm):
    """The password and a current code: asked before turning 2FA off or making new backup codes."""


class PasskeyNameForm(FocusFirstErrorMixin, forms.Form):
    """A passkey's name, so its owner can tell their passkeys apart (e.g. "Work laptop")."""

    name = forms.CharField(
        label=_("Name"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
        help_text=_("Where the passkey is, e.g. “Work laptop” or “Blue security key”. Up to 64 characters."),
        error_messages={
            "required": _("Give the passkey a name."),
            "max_length": _("Keep the name to 64 characters or fewer."),
        },
    )
