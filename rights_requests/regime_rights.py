"""The rights a regime gives that the portal can handle, and where a refusal under it may be complained about.

``compliance.regimes`` says what each law gives; this module meets it with the
request types registered here (``request_types``): a right whose type has no
handler is not offered, so a type added later lights up in every regime that names it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext

from compliance.regimes import Regime, Right, regime

from . import conf
from .request_types import handler_for, registered


@dataclass(frozen=True)
class OfferedRight:
    """A right a learner may exercise: the regime's legal words (``right``) and the type's handler."""

    right: Right
    handler: object  # handlers.Handler

    @property
    def type(self):
        return self.right.type


def offered_rights(of: Regime):
    """Return the rights of ``of`` whose request type is registered, as ``[OfferedRight]`` in the regime's order."""
    handlers = {handler.type: handler for handler in registered()}
    return [OfferedRight(right, handlers[right.type]) for right in of.rights if right.type in handlers]


def offers(of: Regime, request_type):
    """Return whether a learner under ``of`` may file a request of ``request_type`` (given and registered)."""
    return any(offered.type == request_type for offered in offered_rights(of))


def complaint_authority(of: Regime):
    """Return the authority a learner under ``of`` may complain to, in the active language.

    The regime's own (the ICO, the CPPA, the ANPD, the EU/EEA authorities), or for the
    platform's standard the operator's lead authority (``RIGHTS_REQUESTS_SUPERVISORY_AUTHORITY``).
    """
    return str(of.complaint_authority if of.complaint_authority is not None else conf.SUPERVISORY_AUTHORITY)


def complaint_of(request):
    """Return ``{"authority", "citation"}`` a refusal or a late answer of ``request`` names (its regime's).

    GDPR Art. 12(4), 77; UK GDPR Art. 77; Cal. Civ. Code §1798.199.45; LGPD Art. 18 §1.
    """
    of = regime(request.regime)
    return {"authority": complaint_authority(of), "citation": str(of.complaint_citation)}


def citation_under(regime_key, request_type):
    """Return the legal source of a right of ``request_type`` under ``regime_key``, e.g. "UK GDPR Art. 16".

    In the active language. "" when the regime does not name the type (a request filed without
    signing in, or before its regime stopped giving the right): another law's article would tell
    the learner a law protects them that does not, so nothing is cited.
    """
    right = regime(regime_key).right(request_type)
    return str(right.citation) if right is not None else ""


def citation_of(request):
    """Return the legal source of ``request``'s right under its regime (``citation_under``), in the active language."""
    return citation_under(request.regime, request.type)


def title_cited(request):
    """Return the right of ``request`` as the learner's pages name it, then its source under the request's regime.

    E.g. "Get a copy of your data (GDPR Art. 15)", "… (Cal. Civ. Code §1798.110, §1798.115)": what
    the emails and the API's ``type_label`` say. The right alone when its regime does not name it.
    """
    return cited(handler_for(request.type).title, citation_of(request))


def cited(words, citation):
    """Return ``words`` then ``citation`` in brackets, "Erasure (GDPR Art. 17)"; ``words`` alone when it is ""."""
    if not citation:
        return str(words)
    return gettext("%(right)s (%(article)s)") % {"right": words, "article": citation}


def regime_described(of: Regime):
    """Return ``of`` as the privacy notice and the access report describe it, in the active language.

    Returns:
        dict: ``key``, ``name``, ``law``, ``rights`` (``[(legal name, citation)]`` of the rights
        offered: given by the law and handled here), ``deadline`` and ``extension`` (str; extension
        "" when the law allows none), ``authority`` and ``complaint_citation``, ``transfers_heading`` and
        ``transfers`` (where the data goes, in the law's terms; the operator's ``TRANSFERS_STATEMENTS`` first).
    """
    rule = of.deadline
    extension = ""
    if rule.extensions:
        extension = gettext("by up to %(longest)s more, %(condition)s") % {
            "longest": max(rule.extensions, key=lambda period: (period.months, period.days)),
            "condition": rule.extension_condition,
        }
    return {
        "key": of.key,
        "name": str(of.name),
        "law": str(of.law),
        "rights": [(str(offered.right.name), str(offered.right.citation)) for offered in offered_rights(of)],
        "deadline": gettext("%(period)s from the day we receive your request (%(citation)s)")
        % {"period": rule.period, "citation": rule.citation},
        "extension": extension,
        "authority": complaint_authority(of),
        "complaint_citation": str(of.complaint_citation),
        "transfers_heading": str(of.transfers_heading),
        "transfers": str(conf.TRANSFERS_STATEMENTS.get(of.key, of.transfers)),
    }
