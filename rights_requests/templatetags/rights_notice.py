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
def right_title(rights_request):
    """Return the right ``rights_request`` exercises as the pages name it, e.g. "Pause the use of your data"."""
    return handler_for(rights_request.type).title
