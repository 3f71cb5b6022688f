"""Template tags for pages outside this app that tell learners where to complain and about transfers."""

from django import template

from .. import conf
from ..request_types import handler_for

register = template.Library()


@register.simple_tag
def supervisory_authority():
    """Return the supervisory authority learners may complain to (``RIGHTS_REQUESTS_SUPERVISORY_AUTHORITY``)."""
    return conf.SUPERVISORY_AUTHORITY


@register.simple_tag
def transfers_statement():
    """Return what the portal says of transfers outside the EEA (``RIGHTS_REQUESTS_TRANSFERS_STATEMENT``)."""
    return conf.TRANSFERS_STATEMENT


@register.filter
def right_title(request_type):
    """Return the right a request type exercises as the learner's pages name it, e.g. "Pause the use of your data"."""
    return handler_for(request_type).title


@register.filter
def right_name(request_type):
    """Return a request type as staff name it (the queue, the reminders), e.g. "Rectification"."""
    return handler_for(request_type).name
