"""Limit the use of sensitive personal information (Cal. Civ. Code §1798.121, 11 CCR §7027).

What is sensitive personal information here is the registry's to say
(``PersonalField.sensitive_personal_information``, after Cal. Civ. Code §1798.140(ae)): the
portal holds none of the kinds that reveal who someone is (origin, beliefs, health, precise
location, government numbers); it holds the account's sign-in credentials (password hash,
authenticator secret, backup-code and API-token fingerprints), used only to sign the
learner in and keep the account secure, which §7027(m)(1)–(3) allow whatever the learner
chooses. Date of birth is not sensitive personal information under §1798.140(ae) and is used
only to protect children. The limit is recorded as filed (``privacy.services.sensitive_use_limit``)
and from then on ``may_process`` refuses every optional purpose the registry says uses such
information, so a use added later cannot reach this learner.
"""

from django.utils.text import get_text_list
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.languages import in_language_and_time_zone_of
from compliance.notice import field_statement, sensitive_information_of
from compliance.registry import Purpose, purposes_of_sensitive_information, registry
from privacy.models import CONSENT_PURPOSES
from privacy.services import sensitive_use_limit

from ..models import RightsRequest
from .base import Handler
from .confirmation import answered_on


def _optional_uses_of_sensitive_information():
    """Return the optional purposes (``CONSENT_PURPOSES``) that use sensitive personal information, by the registry."""
    used = purposes_of_sensitive_information()
    return [purpose.value for purpose in CONSENT_PURPOSES if purpose in used]


class LimitSensitiveUseHandler(Handler):
    """Limit the use of the learner's sensitive personal information as the request is filed (§1798.121).

    Approved on filing; the limit stays in force after the request is completed, and
    withdrawing or rejecting the request does not undo it (``on_closed_unmet`` does
    nothing): the portal never uses such information for anything optional, so there is
    nothing a withdrawal should turn back on. It is deleted with the account on erasure.
    """

    type = "limit_sensitive_use"
    name = pgettext_lazy("request type, as staff name it", "Limit on sensitive information")
    label = _("Limit the use of sensitive personal information (CPRA)")
    article = _("Cal. Civ. Code §1798.121")
    title = _("Limit the use of my sensitive personal information")
    summary = _(
        "Tell us to use your sensitive personal information, such as your password and sign-in secrets, only to "
        "provide our service and keep your account secure."
    )
    action = _("Limit the use")
    what_we_do = _(
        "From the moment you send it, we use your sensitive personal information only to provide our service and "
        "keep your account secure, never for recommendations, research, partners or marketing. We show you what "
        "we hold of it and what it is used for."
    )
    auto_approve = True
    honoured_unverified = True
    settles_at_once = True

    def on_filed(self, request, *, actor):
        """Record the limit in the filing's transaction (11 CCR §7027(g): as soon as feasibly possible)."""
        sensitive_use_limit(actor=actor, user=request.subject, reference=request.reference)

    def fulfil(self, request):
        """Keep what sensitive information is held and which optional uses the limit stops; return the note."""
        answer = {
            "sensitive": {
                "held": sensitive_information_of(request.subject),
                "stopped": _optional_uses_of_sensitive_information(),
            }
        }
        RightsRequest.objects.filter(pk=request.pk).update(result=answer)
        request.result = answer
        with in_language_and_time_zone_of(request.subject):
            return gettext(
                "Your limit is in force: we use your sensitive personal information only to provide our service and "
                "keep your account secure."
            )

    def statement(self, request):
        """Return the sensitive information held, each with what it is used for, then what the limit stopped."""
        answer = (request.result or {}).get("sensitive")
        if answer is None:
            return []
        declarations = {declaration.label: declaration for declaration in registry}
        held = []
        for label, name in answer["held"]:
            declaration = declarations.get(label)
            if declaration is None or name not in declaration.fields:
                continue
            statement = field_statement(declaration, name)
            uses = get_text_list(
                [f"{purpose[:1].lower()}{purpose[1:]}" for purpose, _basis in statement["processing"]], gettext("and")
            )
            held.append((statement["description"], gettext("Used only to: %(uses)s") % {"uses": uses}))
        if not held:
            held = [(gettext("What we hold"), gettext("We hold no sensitive personal information about you."))]
        if answer["stopped"]:
            stopped = get_text_list([str(Purpose(p).label).lower() for p in answer["stopped"]], gettext("and"))
            change = gettext("We stopped using it to: %(uses)s.") % {"uses": stopped}
        else:
            change = gettext(
                "We never used it for anything optional (recommendations, research, course partners or news by "
                "email); your limit makes sure we never will."
            )
        return [
            (gettext("Sensitive personal information we hold"), [answered_on(request), *held]),
            (gettext("What your limit changes"), [(gettext("Optional uses"), change)]),
        ]
