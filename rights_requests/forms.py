"""Forms of the rights_requests app: the base of the forms that start a request.

A form only parses what was typed into the details its type's handler judges
(``Handler.clean_details``, through ``services.request_submit``); the handler's
``InvalidRequestDetails`` is shown beside the field it names. Each type's own form
is its handler's ``form_class``, in its handler's module.
"""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_email_deliverable

from . import conf
from .details import AGENT_NAME_MAX, DETAIL_TEXT_MAX
from .models import Filer


def _formatted(message, values):
    return str(message) % values


def lazy_format(message, **values):
    """Return ``message % values`` as a lazy string, translated and filled in when shown.

    For wording fixed at import (a form field's help text, a class attribute) with a
    named placeholder: ``lazy_format(_("Up to %(limit)s characters."), limit=2000)`` reads
    the ``gettext_lazy`` message in the language active when it is rendered.
    """
    return lazy(_formatted, str)(message, values)


#: The note field's label unless a form gives its own.
NOTE_LABEL = _("Anything you would like to add? (optional)")


def note_field(label=NOTE_LABEL, help_text=""):
    """Return the optional free-text field most requests have."""
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text or lazy_format(_("Up to %(limit)s characters."), limit=DETAIL_TEXT_MAX),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": DETAIL_TEXT_MAX}),
    )


class RightsRequestForm(forms.Form):
    """Base of the forms that start a request.

    Fields are optional here on purpose: the type's handler decides what it needs,
    so the page and the API refuse the same things with the same words.
    """

    def details(self):
        """Return the request's details for ``request_submit``, from ``cleaned_data``."""
        return {"note": self.cleaned_data["note"]}

    def add_service_error(self, error):
        """Show an ``InvalidRequestDetails`` beside each field it names, or above the form."""
        for name, message in error.errors.items():
            field = name if name in self.fields else None
            self.add_error(field, forms.ValidationError(message, code=error.code))


class NoteRequestForm(RightsRequestForm):
    """A request with nothing to choose: an optional note (access, portability, erasure)."""

    note = note_field()


#: The fields of ``PublicRequestForm`` only an agent or parent fills in.
FILER_FIELDS = ("agent_name", "learner_email", "authorisation")


class PublicRequestForm(forms.Form):
    """``/privacy/request/``: who asks, an address, the right asked for, and the words that right needs.

    Only parses: the type's handler judges the details, and ``agents.agent_filing_clean`` what an
    agent or parent gives (``public.public_request_start``), so the form refuses what the signed-in
    pages and the API refuse, with the same words.
    """

    filed_by = forms.ChoiceField(
        label=_("Who is asking?"),
        required=False,
        initial=Filer.SUBJECT,
        choices=[
            (Filer.SUBJECT, _("I am asking about my own data")),
            (Filer.AGENT, _("I am an authorised agent, asking for someone with their signed permission")),
            (Filer.PARENT, _("I am a parent or guardian, asking for a learner under the digital age of consent")),
        ],
        widget=forms.RadioSelect,
    )
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        validators=[validate_email_deliverable],
        help_text=_(
            "We send a code to it. Asking for yourself, the request is for the account with this address, if any."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    agent_name = forms.CharField(
        label=_("Your full name"),
        required=False,
        max_length=AGENT_NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    learner_email = forms.EmailField(
        label=_("The learner's email address"),
        required=False,
        max_length=254,
        validators=[validate_email_deliverable],
        help_text=_(
            "The address of their Learner Portal account. If we hold data about them, we tell them at that "
            "address that you asked, and they can object."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    authorisation = forms.FileField(
        label=_("Signed authorisation"),
        required=False,
        help_text=lazy_format(
            _(
                "A PDF, PNG or JPEG of up to %(megabytes)s MB: the learner's signed permission naming you and "
                "what you may ask for; from a parent or guardian, a document showing your parental responsibility."
            ),
            megabytes=conf.AUTHORISATION_MAX_BYTES // 1_048_576,
        ),
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )
    type = forms.ChoiceField(label=_("What do you want to do?"), widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Tell us more"),
        required=False,
        help_text=lazy_format(
            _(
                "Needed for a correction (what is wrong, and what it should say) or a restriction (why). "
                "Up to %(limit)s characters."
            ),
            limit=DETAIL_TEXT_MAX,
        ),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": DETAIL_TEXT_MAX}),
    )
    purposes = forms.MultipleChoiceField(
        label=_("For an objection: which uses of your data do you object to?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, types, purposes, **kwargs):
        """``types``: ``[(type, title)]`` of the registered rights; ``purposes``: ``[(purpose, label)]``."""
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = types
        self.fields["purposes"].choices = purposes

    def clean(self):
        """Leave out what only an agent or parent fills in when someone asks for themself, errors included."""
        cleaned = super().clean()
        cleaned["filed_by"] = cleaned.get("filed_by") or Filer.SUBJECT
        if cleaned["filed_by"] == Filer.SUBJECT:
            for name in FILER_FIELDS:
                self.errors.pop(name, None)
                cleaned[name] = None if name == "authorisation" else ""
        return cleaned

    def add_service_error(self, error, *, text_key):
        """Show an ``InvalidRequestDetails`` beside the field it names (the type's ``text_key`` is ``text``)."""
        for name, message in error.errors.items():
            field = "text" if name in (text_key, "note", "reason", "changes") else name
            self.add_error(field if field in self.fields else None, forms.ValidationError(message, code=error.code))


class PublicCodeForm(forms.Form):
    """The 6-digit code emailed to the address of a request filed without signing in."""

    code = forms.CharField(
        label=_("Code from the email"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PublicPasswordForm(forms.Form):
    """The account's password, confirming an erasure filed without signing in."""

    password = forms.CharField(
        label=_("Your account's password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
