"""Template tags for pages outside this app: the regimes and their rights, where to complain, where data goes."""

from django import template

from compliance.regimes import REGIMES

from ..regime_rights import regime_described
from ..request_types import handler_for

register = template.Library()


@register.filter
def right_title(request_type):
    """Return the right a request type exercises as the learner's pages name it, e.g. "Pause the use of your data"."""
    return handler_for(request_type).title


@register.filter
def right_name(request_type):
    """Return a request type as staff name it (the queue, the reminders), e.g. "Rectification"."""
    return handler_for(request_type).name


@register.simple_tag
def regimes_described():
    """Return every regime as the privacy notice describes it (``regime_rights.regime_described``), in table order."""
    return [regime_described(regime) for regime in REGIMES.values()]
