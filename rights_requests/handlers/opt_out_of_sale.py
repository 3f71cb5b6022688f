"""Opt-out of sale or sharing: the learner tells us not to sell or share their data (Cal. Civ. Code §1798.120).

Here "sale or sharing" is partner sharing: handing the learner's progress and grades to the
university or company running their course (``privacy.selectors.SALE_PURPOSES``). Course news
by email is the portal's own marketing, given to no one else, so it is not a sale; the portal
does no cross-context behavioural advertising. The opt-out takes effect as it is filed, with no
verification beyond the signed-in session (11 CCR §7026(d)), and the portal keeps partner
sharing off and does not ask for it again for 12 months (§1798.135(c)(4)).
"""

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from privacy.services import sale_opt_out_record

from .base import Handler


class OptOutOfSaleHandler(Handler):
    """Stop the sale or sharing of the learner's data as the request is filed (Cal. Civ. Code §1798.120, §1798.135).

    Withdrawing or rejecting the request does not turn sharing back on (``on_closed_unmet``
    does nothing): only the learner can, on the Privacy tab, once the 12 months are over.
    The consent ledger keeps the opt-out after erasure, linked to the anonymised account,
    as it keeps every choice (its registry declaration).
    """

    type = "opt_out_of_sale"
    name = pgettext_lazy("request type, as staff name it", "Opt-out of sale or sharing")
    label = _("Opt-out of sale or sharing (CCPA)")
    article = _("Cal. Civ. Code §1798.120, §1798.135")
    title = _("Do not sell or share my personal information")
    summary = _(
        "Tell us not to sell or share your data. For us that means sharing your progress and grades with "
        "the university or company running your course."
    )
    action = _("Opt out of sale or sharing")
    what_we_do = _(
        "From the moment you send it, we stop sharing your progress and grades with course partners. "
        "We keep it that way and do not ask you to allow it again for at least 12 months."
    )
    auto_approve = True
    honoured_unverified = True
    settles_at_once = True

    def on_filed(self, request, *, actor):
        """Record the opt-out in the consent ledger in the filing's transaction (Cal. Civ. Code §1798.120(a))."""
        sale_opt_out_record(actor=actor, user=request.subject)

    def fulfil(self, request):
        """Return what was done: filing stopped the sharing already (``on_filed``)."""
        return gettext(
            "We have stopped sharing your progress and grades with course partners. We will not ask you to "
            "allow it again for at least 12 months; after that, you can turn it on yourself on the Privacy tab."
        )
