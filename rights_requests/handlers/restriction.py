"""Restriction of processing: the learner's data is kept but not used, from the moment they ask (GDPR Art. 18)."""

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from learnerportal.api.fields import StrictCharField
from privacy.selectors import restrictions_of
from privacy.services import restriction_lift, restriction_start

from ..details import DETAIL_TEXT_MAX, clean_text
from ..forms import RightsRequestForm
from .base import Handler, Standing


class RestrictionRequestForm(RightsRequestForm):
    """Restriction of processing: why (GDPR Art. 18(1) lists the grounds)."""

    reason = forms.CharField(
        label=_("Why should we stop using your data for now?"),
        required=False,
        help_text=_(
            "For example: your data is wrong and you want us to stop using it until it is corrected; "
            "you have objected to how we use it and are waiting for our answer; "
            "or you need us to keep it for a legal claim."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "required": True, "maxlength": DETAIL_TEXT_MAX}),
    )

    def details(self):
        return {"reason": self.cleaned_data["reason"]}


class RestrictionHandler(Handler):
    """Restrict all optional processing while the request is considered and once it is met (GDPR Art. 18(1))."""

    type = "restriction"
    name = pgettext_lazy("request type, as staff name it", "Restriction")
    label = _("Restriction of processing (Art. 18)")
    article = _("GDPR Art. 18")
    title = _("Pause the use of your data")
    summary = _("Ask us to keep your data but stop using it for now, for example while we check that it is correct.")
    action = _("Ask for a restriction")
    what_we_do = _(
        "From the moment you send it, we stop every optional use of your data (recommendations, "
        "research, sharing with course partners, news by email) while our privacy team reviews your reason, "
        "and for as long as the restriction lasts. We tell you before we lift it."
    )
    form_class = RestrictionRequestForm
    lasts = True
    settles_at_once = True

    def api_fields(self):
        return {
            **super().api_fields(),
            "reason": StrictCharField(
                required=False,
                allow_blank=True,
                help_text="restriction (required): why we should stop using your data for now (GDPR Art. 18(1)).",
            ),
        }

    public_text_key = "reason"

    def clean_details(self, details, *, subject=None):
        """Return ``{"reason": str, "note": str}``; the reason is required (GDPR Art. 18(1) lists the grounds)."""
        note = super().clean_details(details, subject=subject)
        return {"reason": clean_text(details.get("reason"), "reason", required=True), **note}

    def details_as_text(self, request):
        reason = request.details.get("reason")
        return ([(gettext("Your reason"), reason)] if reason else []) + super().details_as_text(request)

    def admin_details(self, request):
        return super().admin_details(request) | {"reason": request.details.get("reason", "")}

    def on_filed(self, request, *, actor):
        """Restrict processing while the request is considered (GDPR Art. 18(1)(a), (d))."""
        restriction_start(actor=actor, user=request.subject, reason=request.details["reason"])

    def on_closed_unmet(self, request, *, actor):
        """Lift the restriction filing started; ``restriction_lift`` tells the learner first (GDPR Art. 18(3))."""
        restriction_lift(actor=actor, user=request.subject, reference=request.reference)

    def fulfil(self, request):
        """Keep processing restricted for as long as the restriction lasts (GDPR Art. 18(1))."""
        reason = request.details.get("reason") or gettext("Restriction request %(reference)s") % {
            "reference": request.reference
        }
        restriction_start(actor=None, user=request.subject, reason=reason)
        return gettext(
            "We have stopped every optional use of your data (recommendations, research, sharing with "
            "course partners, news by email) until the restriction is lifted. We will tell you before we lift it."
        )

    def standings(self, requests, *, subjects=()):
        """Return ``{request.pk: Standing}``: the restriction each completed request put or kept in force.

        A request's restriction is the latest of its learner's that started by the time the
        request was completed (filing starts it, GDPR Art. 18(1)); it may since have been
        lifted, here or by staff in the restrictions list. One query, made for ``subjects``
        too (even when ``requests`` is empty).
        """
        requests = [request for request in requests if request.type == self.type]
        learners = {request.subject_id for request in requests} | {subject.pk for subject in subjects}
        restrictions = {}
        for restriction in restrictions_of(learners):
            restrictions.setdefault(restriction.user_id, []).append(restriction)
        standings = {}
        for request in requests:
            started = [
                restriction
                for restriction in restrictions.get(request.subject_id, [])
                if request.completed_at is None or restriction.started_at <= request.completed_at
            ]
            if started:
                latest = max(started, key=lambda restriction: (restriction.started_at, restriction.pk))
                standings[request.pk] = Standing(since=latest.started_at, lifted_at=latest.lifted_at)
        return standings

    def lift(self, request, *, actor):
        """Lift the learner's restriction; ``restriction_lift`` tells them first (GDPR Art. 18(3))."""
        restriction_lift(actor=actor, user=request.subject, reference=request.reference)
