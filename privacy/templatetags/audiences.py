"""The ``{% audience_icon %}`` and ``{% audience_short_label %}`` template tags: who may see a profile field.

A template built-in (``TEMPLATES["OPTIONS"]["builtins"]``), like ``{% icon %}``.
"""

from django import template
from django.utils.translation import gettext_lazy as _

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


#: What an audience's choice says where the Privacy tab is narrow; the full label stays its accessible name.
AUDIENCE_SHORT_LABELS = {
    Audience.PUBLIC: _("Everyone"),
    # Translators: the short label of the audience "Signed-in learners", where the Privacy tab is narrow.
    Audience.LEARNERS: _("Learners"),
    Audience.PRIVATE: _("Only me"),
}


@register.simple_tag
def audience_short_label(audience):
    """Return the short label of a profile audience ("Learners" for signed-in learners); "" for anything else."""
    return AUDIENCE_SHORT_LABELS.get(audience, "")
