"""Forms of the rights_requests app: the base of the forms that start a request.

A form only parses what was typed into the details its type's handler judges
(``Handler.clean_details``, through ``services.request_submit``); the handler's
``InvalidRequestDetails`` is shown beside the field it names. Each type's own form
is its handler's ``form_class``, in its handler's module.
"""

from django import forms

from .details import DETAIL_TEXT_MAX


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
