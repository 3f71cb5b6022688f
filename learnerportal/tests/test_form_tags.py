"""``{% choice_input %}`` writes the very input Django's widget template would, attribute for attribute."""

import re

import pytest
from django import forms

from learnerportal.form_tags import choice_input
from privacy.forms import VisibilityForm
from privacy.models import ProfileVisibility

pytestmark = pytest.mark.django_db


class Choices(forms.Form):
    scope = forms.MultipleChoiceField(choices=[("read", "Read"), ('a"b<c', "Odd")], widget=forms.CheckboxSelectMultiple)


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda: VisibilityForm(audiences=ProfileVisibility().audiences()), id="privacy tab, unbound"),
        pytest.param(
            lambda: VisibilityForm({"bio": "everyone"}, audiences=ProfileVisibility().audiences()),
            id="privacy tab, errors",
        ),
        pytest.param(lambda: Choices({"scope": ['a"b<c']}), id="checkboxes, one ticked"),
    ],
)
def test_the_tag_writes_the_same_input_as_the_widget_template(form):
    form = form()
    form.is_bound and form.is_valid()  # errors set autofocus on the first invalid field (FocusFirstErrorMixin)
    choices = [choice for field in form for choice in field]
    assert choices
    for choice in choices:
        assert str(choice_input(choice)) == str(choice.tag()), "byte for byte, attributes in the same order"


def test_a_value_cannot_break_out_of_its_attribute():
    html = str(choice_input(list(Choices()["scope"])[1]))
    assert 'value="a&quot;b&lt;c"' in html and re.fullmatch(r"<input[^<>]*>", html)
