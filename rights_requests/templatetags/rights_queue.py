"""Template tags of the staff queue in Django admin."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def rights_queue_summary():
    """Return the counts of open requests for the admin index (see ``selectors.queue_summary``)."""
    return selectors.queue_summary()
