"""Information on sharing: the public and private entities we shared the learner's data with (LGPD Art. 18 VII).

Two sources, both kept on the request when it is answered: who receives the learner's data
by design (the personal-data registry's recipients, for the records that hold some about
them: ``compliance.notice.recipients_of``), and what was actually sent to a named partner
(every partner roster export records each learner it lists in the audit log:
``compliance.selectors.disclosures_of``).
"""

from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.languages import in_language_and_time_zone_of
from compliance.notice import recipients_of
from compliance.selectors import disclosures_of

from ..models import RightsRequest
from .base import Handler
from .confirmation import answered_on, record_names


class SharingInformationHandler(Handler):
    """Tell the learner with whom their data was shared, from the registry and the audit log (LGPD Art. 18 VII).

    Approved on filing and answered by the portal itself, well within the deadline: both
    sources are the portal's own records. The answer is kept on the request
    (``result["sharing"]``) and erased with it.
    """

    type = "sharing_information"
    name = pgettext_lazy("request type, as staff name it", "Information on sharing")
    label = _("Information on sharing (LGPD)")
    article = _("LGPD Art. 18, VII")
    title = _("Find out who we shared your data with")
    summary = _(
        "Ask which companies, universities and public bodies we shared your personal data with, and what we sent "
        "to each course partner."
    )
    action = _("Ask who we shared it with")
    what_we_do = _(
        "We list who receives your data and why, and every time we sent your course progress to a course partner, "
        "on your request's page and by email."
    )
    auto_approve = True
    settles_at_once = True

    def fulfil(self, request):
        """Keep who received the learner's data, by design and in fact, on the request; return the note saying so."""
        sent = [
            {"at": disclosure["at"].isoformat(), **{k: v for k, v in disclosure.items() if k != "at"}}
            for disclosure in disclosures_of(request.subject)
        ]
        answer = {"sharing": {"recipients": recipients_of(request.subject), "partner_rosters": sent}}
        RightsRequest.objects.filter(pk=request.pk).update(result=answer)
        request.result = answer
        with in_language_and_time_zone_of(request.subject):
            return gettext("Below is who receives your data and every roster we sent to a course partner.")

    def statement(self, request):
        """Return who receives the learner's data, then each partner roster that listed them, newest first."""
        sharing = (request.result or {}).get("sharing")
        if sharing is None:
            return []
        receivers = [(gettext(entry["recipient"]), record_names(entry["records"])) for entry in sharing["recipients"]]
        sections = [(gettext("Who receives your data"), [answered_on(request), *receivers])]
        rosters = []
        for sent in sharing["partner_rosters"]:
            day = dateformat.format(timezone.localtime(parse_datetime(sent["at"])), gettext("j F Y"))
            if sent["progress_and_grades"]:
                what = gettext("Your username, courses and enrollment dates, with your progress and grades")
            else:
                what = gettext("Your username, courses and enrollment dates (not your progress or grades)")
            rosters.append((gettext("%(partner)s, %(date)s") % {"partner": sent["partner"], "date": day}, what))
        if not rosters:
            rosters = [(gettext("Course partners"), gettext("We have not sent your data to any course partner."))]
        sections.append((gettext("What we sent to course partners"), rosters))
        return sections
