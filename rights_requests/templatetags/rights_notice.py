"""Template tags for pages outside this app that tell learners where to complain and about transfers."""

from django import template

from .. import conf

register = template.Library()


@register.simple_tag
def supervisory_authority():
    """Return the supervisory authority learners may complain to (``RIGHTS_REQUESTS_SUPERVISORY_AUTHORITY``)."""
    return conf.SUPERVISORY_AUTHORITY


@register.simple_tag
def transfers_statement():
    """Return what the portal says of transfers outside the EEA (``RIGHTS_REQUESTS_TRANSFERS_STATEMENT``)."""
    return conf.TRANSFERS_STATEMENT
