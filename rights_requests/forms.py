"""Forms of the rights_requests app: the base of the forms that start a request.

A form only parses what was typed into the details its type's handler judges
(``Handler.clean_details``, through ``services.request_submit``); the handler's
``InvalidRequestDetails`` is shown beside the field it names. Each type's own form
is its handler's ``form_class``, in its handler's module.
"""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .details import DETAIL_TEXT_MAX


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
