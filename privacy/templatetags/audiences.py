"""The ``{% audience_icon %}`` template tag: the icon of who may see a profile field.

A template built-in (``TEMPLATES["OPTIONS"]["builtins"]``), like ``{% icon %}``.
"""

from django import template

from learnerportal.icons import icon

from ..models import Audience

register = template.Library()

AUDIENCE_ICONS = {Audience.PUBLIC: "globe", Audience.LEARNERS: "people", Audience.PRIVATE: "lock"}


@register.simple_tag
def audience_icon(audience):
    """Return the icon of a profile audience: globe (everyone), people (signed-in learners), padlock (only me).

    ``audience`` is an ``Audience`` value or its string; anything else is "only me",
    the most private reading.
    """
    return icon(AUDIENCE_ICONS.get(audience, "lock"))
