"""The ``{% icon %}`` template tag: the site's inline SVG icons.

Registered as a template built-in (``TEMPLATES["OPTIONS"]["builtins"]``), so every
template may use them without ``{% load %}``. Each icon is a context-free file,
``templates/icons/<name>.svg``; outside debug mode it is read once per process,
because a page such as the Privacy tab shows some thirty of them and rendering each
as an ``{% include %}`` cost a quarter of the page's time (``make bench``).
"""

import functools

from django import template
from django.conf import settings
from django.template.loader import get_template

register = template.Library()


@functools.cache
def _cached_svg(name):
    return _read_svg(name)


def _read_svg(name):
    return get_template(f"icons/{name}.svg").render()  # SafeString: our own file, not user input


@register.simple_tag
def icon(name):
    """Return the inline SVG icon ``name`` (e.g. ``"lock"``), decorative (``aria-hidden``).

    Raises:
        TemplateDoesNotExist: no ``templates/icons/<name>.svg`` (a typo fails loudly).
    """
    return _read_svg(name) if settings.DEBUG else _cached_svg(name)
