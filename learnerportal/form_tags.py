"""The ``{% choice_input %}`` template tag: one radio button or checkbox of a form field.

Registered as a template built-in (``TEMPLATES["OPTIONS"]["builtins"]``). It writes
the same ``<input>`` as Django's ``BoundWidget.tag()`` (the ``input.html`` widget
template), in Python: the Privacy tab has 21 radio buttons, and rendering each
through the widget templates was a quarter of the page's time (``make bench``).
"""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def choice_input(choice):
    """Return the ``<input>`` of one choice of a bound ``RadioSelect``/``CheckboxSelectMultiple`` field.

    Args:
        choice: a ``django.forms.boundfield.BoundWidget`` (an item of ``{% for radio in field %}``).

    Returns:
        safe HTML: ``type``, ``name``, ``value`` (when not None), then the widget's
        attributes (``id``, ``checked``, ``required``, ``autofocus`` …) in their
        order; True attributes bare, False ones left out, as Django's template
        does (None ones too, which the template would print as "None").
    """
    data = choice.data
    attrs = {"type": data["type"], "name": data["name"]}
    if data["value"] is not None:
        attrs["value"] = str(data["value"])
    attrs |= data["attrs"]
    # In the widget template's order (not sorted, as flatatt would): type, name, value, then the rest.
    written = format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and value is not None
        ),
    )
    return format_html("<input{}>", written)
