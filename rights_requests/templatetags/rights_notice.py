"""Template tags for pages outside this app: the regimes and their rights, where to complain, transfers."""

from django import template
from django.utils.translation import gettext

from compliance.regimes import REGIMES

from .. import conf
from ..regime_rights import complaint_authority, offered_rights
from ..request_types import handler_for

register = template.Library()


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


@register.simple_tag
def regimes_described():
    """Return every regime as the privacy notice describes it, in the active language.

    Returns:
        list of dicts, in ``compliance.regimes.REGIMES`` order: ``key``, ``name``, ``law``,
        ``rights`` (``[(legal name, citation)]`` of the rights offered: given by the law and
        handled here), ``deadline`` and ``extension`` (str; extension "" when the law allows none),
        ``authority`` and ``complaint_citation``.
    """
    described = []
    for regime in REGIMES.values():
        rule = regime.deadline
        extension = ""
        if rule.extensions:
            extension = gettext("by up to %(longest)s more, %(condition)s") % {
                "longest": max(rule.extensions, key=lambda period: (period.months, period.days)),
                "condition": rule.extension_condition,
            }
        described.append(
            {
                "key": regime.key,
                "name": str(regime.name),
                "law": str(regime.law),
                "rights": [
                    (str(offered.right.name), str(offered.right.citation)) for offered in offered_rights(regime)
                ],
                "deadline": gettext("%(period)s from the day we receive your request (%(citation)s)")
                % {"period": rule.period, "citation": rule.citation},
                "extension": extension,
                "authority": complaint_authority(regime),
                "complaint_citation": str(regime.complaint_citation),
            }
        )
    return described
