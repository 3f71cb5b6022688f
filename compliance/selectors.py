"""Reads of the audit log: in what role someone acted, the learner's account activity, the periodic audit."""

import re
from collections import Counter

from django.apps import apps
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext_lazy

from .models import ACTOR_ROLE_FOR_STAFF, ActorRole, AuditEvent, StaffGroup, StaffViewShown
from .registry import PURPOSE_SHORT_NAMES, in_staff_words


def actor_role_of(actor, *, subject=None):
    """Return the ``ActorRole`` in which ``actor`` acts on ``subject``'s account.

    Args:
        actor: a user, or None for the system.
        subject: the data subject, or None when the event concerns many.

    Returns:
        ``ActorRole``: SUBJECT for the learner themself, PRIVACY_OFFICER or
        SUPPORT_AGENT by staff group (the officer first), STAFF for other staff,
        SYSTEM for None, OTHER otherwise.
    """
    if actor is None:
        return ActorRole.SYSTEM
    if subject is not None and actor.pk == getattr(subject, "pk", subject):
        return ActorRole.SUBJECT
    if actor.is_staff:
        groups = set(actor.groups.values_list("name", flat=True))
        if StaffGroup.PRIVACY_OFFICER in groups:
            return ActorRole.PRIVACY_OFFICER
        if StaffGroup.SUPPORT_AGENT in groups:
            return ActorRole.SUPPORT_AGENT
        return ActorRole.STAFF
    return ActorRole.OTHER


def _on_off(value):
    return gettext("on") if value else gettext("off")


#: ``{AuditEvent.Action: describe(event) -> str}`` for actions told in a feature app's vocabulary.
_DESCRIPTIONS = {}


def audit_description_register(action, describe):
    """Let the app that owns ``action``'s vocabulary tell such events to the learner.

    Args:
        action: an ``AuditEvent.Action``.
        describe: ``describe(event) -> str``, one sentence naming no staff member.
    """
    _DESCRIPTIONS[action] = describe


def audit_event_description(event):
    """Return one sentence telling a learner what ``event`` was, in their words, naming no staff member.

    E.g. "A member of the support team viewed your account and profile while
    working on request DSR-2026-000123." (access transparency, GDPR Art. 15(1)(c)).

    Returns:
        str.
    """
    changes = event.changes or {}
    who = str(ActorRole(event.actor_role).label)
    action = event.action
    if action == AuditEvent.Action.STAFF_VIEWED:
        values = {"who": who, "view": staff_view_in_words(changes), "reference": changes.get("request")}
        if values["reference"]:
            return gettext("%(who)s viewed %(view)s while working on request %(reference)s.") % values
        return gettext("%(who)s viewed %(view)s.") % values
    if action == AuditEvent.Action.ACCOUNT_CHANGE_REFUSED:
        # The attempt is a phrase the accounts app records in English; shown translated when a catalog has it.
        attempt = gettext(changes["attempt"]) if changes.get("attempt") else gettext("change your account")
        return gettext("%(who)s tried to %(attempt)s; the portal refused.") % {"who": who, "attempt": attempt}
    if action == AuditEvent.Action.REQUEST_STEP:
        values = {
            "reference": changes.get("request", ""),
            "step": str(REQUEST_STEP_WORDS.get(changes.get("step"), str(changes.get("step", "")).replace("_", " "))),
            "who": f"{who[0].lower()}{who[1:]}",
        }
        if event.actor_role == ActorRole.SUBJECT:
            return gettext("Request %(reference)s: %(step)s by you.") % values
        if changes.get("step") == "submitted" and changes.get("filed_by") in FILED_FOR_YOU_WORDS:
            # Filed at /privacy/request/ by someone acting for the learner: the row's network is theirs.
            return str(FILED_FOR_YOU_WORDS[changes["filed_by"]]) % values
        return gettext("Request %(reference)s: %(step)s by %(who)s.") % values
    if action == AuditEvent.Action.LOGIN_FAILED:
        if changes.get("step") == "code":
            return gettext("Someone tried to sign in to your account with a wrong code.")
        if changes.get("step") == "public_request":
            return gettext(
                "Someone typed a wrong password for your account to confirm an erasure asked for without signing in."
            )
        return gettext("Someone tried to sign in to your account with a wrong password.")
    if action == AuditEvent.Action.CONSENT_CHANGED:
        parts = [
            gettext("%(purpose)s %(state)s")
            % {"purpose": PURPOSE_SHORT_NAMES.get(purpose, purpose.replace("_", " ")), "state": _on_off(values[1])}
            for purpose, values in changes.items()
        ]
        return gettext("Consent changed: %(changes)s.") % {"changes": ", ".join(parts)}
    if action in _DESCRIPTIONS:
        return _DESCRIPTIONS[action](event)
    if action == AuditEvent.Action.PARTNER_SHARED:
        partner = changes["partner"] if "partner" in changes else gettext("a partner")
        if changes.get("progress_and_grades"):
            return gettext("Listed in the course roster sent to %(partner)s, with your progress and grades.") % {
                "partner": partner
            }
        return gettext("Listed in the course roster sent to %(partner)s, without your progress and grades.") % {
            "partner": partner
        }
    if action in (AuditEvent.Action.EXPORT_GENERATED, AuditEvent.Action.EXPORT_DOWNLOADED) and changes.get("request"):
        return gettext("%(action)s (request %(reference)s).") % {
            "action": event.get_action_display(),
            "reference": changes["request"],
        }
    return f"{event.get_action_display()}."


#: A request filed for the learner by someone else (``RightsRequest.filed_by``), as their account activity says it.
FILED_FOR_YOU_WORDS = {
    "agent": gettext_lazy("Request %(reference)s: filed for you by an authorised agent."),
    "parent": gettext_lazy("Request %(reference)s: filed for you by a parent or guardian."),
}


#: The steps of a rights request as its learner's account activity names them ("Request DSR-…: verified by you").
#: The audit row keeps the step's code; Spanish and other languages agree the word with "request".
REQUEST_STEP_WORDS = {
    "submitted": pgettext_lazy("request step", "submitted"),
    "verified": pgettext_lazy("request step", "verified"),
    "approved": pgettext_lazy("request step", "approved"),
    "rejected": pgettext_lazy("request step", "rejected"),
    "withdrawn": pgettext_lazy("request step", "withdrawn"),
    "processing": pgettext_lazy("request step", "processing"),
    "completed": pgettext_lazy("request step", "completed"),
    "failed": pgettext_lazy("request step", "failed"),
    "retried": pgettext_lazy("request step", "retried"),
    "assigned": pgettext_lazy("request step", "assigned"),
    "extended": pgettext_lazy("request step", "extended"),
    "closed": pgettext_lazy("request step", "closed"),
    "leftovers_found": pgettext_lazy("request step", "leftovers found"),
    "redacted": pgettext_lazy("request step", "redacted"),
    "leftovers_cleared": pgettext_lazy("request step", "leftovers cleared"),
    "requeued": pgettext_lazy("request step", "requeued"),
    "lift_asked": pgettext_lazy("request step", "lift asked"),
    "lifted": pgettext_lazy("request step", "lifted"),
    "authority_verified": pgettext_lazy("request step", "authority of who filed it verified"),
    "objected": pgettext_lazy("request step", "declared not authorised"),
    "objection_noted": pgettext_lazy("request step", "kept as yours after your objection"),
}


#: How rows written before ``StaffViewShown`` composed their ``view`` in English (they still read translated).
_COMPOSED_VIEWS = (
    (re.compile(r"^the change history of (?P<view>.+)$"), StaffViewShown.HISTORY),
    (re.compile(r"^(?P<view>.+) in the results of a search$"), StaffViewShown.SEARCH),
    (re.compile(r"^(?P<view>.+) in a list of (?P<list>.+)$"), StaffViewShown.LIST),
)


#: What a staff view of a learner's data names when its admin page names nothing more precise.
YOUR_DATA = gettext_noop("your data")


def _records_named(label):
    """Return the verbose plural name of the model ``label`` ("accounts.user" → "users"), else ``label`` as given."""
    try:
        return apps.get_model(label)._meta.verbose_name_plural
    except (LookupError, ValueError):
        return gettext(label)


def staff_view_in_words(changes, words=gettext):
    """Return what a staff view's ``changes`` say was viewed, in the active language ("your account").

    ``changes["view"]`` is the admin's ``access_view_name`` or ``access_list_name``, a phrase
    marked with ``gettext_noop`` (``compliance.admin_mixins.AccessTransparencyMixin``);
    ``changes["shown"]`` (a ``StaffViewShown``) says how it was seen, and for a list
    ``changes["list"]`` the list's model. Older rows hold the whole phrase composed in
    English ("the change history of your account"): they are read apart and translated too.

    Args:
        words: what puts the phrase in the reader's words: ``gettext`` for the learner,
            ``in_staff_words`` for staff ("the learner's account").
    """
    view, shown, listed = changes.get("view", ""), changes.get("shown", ""), changes.get("list", "")
    if not shown:
        for pattern, kind in _COMPOSED_VIEWS:
            if match := pattern.match(view):
                view, shown, listed = match["view"], kind, match.groupdict().get("list", "")
                break
    view = words(view or YOUR_DATA)
    if shown == StaffViewShown.HISTORY:
        return gettext("the change history of %(view)s") % {"view": view}
    if shown == StaffViewShown.SEARCH:
        return gettext("%(view)s in the results of a search") % {"view": view}
    if shown == StaffViewShown.LIST:
        return gettext("%(view)s in a list of %(records)s") % {"view": view, "records": _records_named(listed)}
    return view


def staff_view_for_staff(changes):
    """Return what a staff view's ``changes`` say was viewed, as staff read it: "the learner's account"."""
    return staff_view_in_words(changes, words=in_staff_words)


#: Roles whose access to a learner's data the periodic audit report looks at.
STAFF_ROLES = (ActorRole.SUPPORT_AGENT, ActorRole.PRIVACY_OFFICER, ActorRole.STAFF)


def audit_summary(*, since, until):
    """Summarise the audit log between two instants for a periodic audit (GDPR Art. 5(2), 32(1)(d)).

    Learners appear only as account ids, and only where an auditor must follow
    something up (staff access without a data-rights request); staff appear by
    username, since staff accountability is what is audited. No network,
    request id, email or name is included.

    Args:
        since: aware datetime, inclusive.
        until: aware datetime, exclusive.

    Returns:
        dict with ``total`` (int), ``by_action`` (list of ``(label, count)``, most
        frequent first), ``staff_access`` (list of dicts ``staff``, ``role``,
        ``views``, ``with_request``, ``learners``), ``unexplained_access``
        (list of dicts ``at``, ``staff``, ``role``, ``learner_id``, ``view``),
        ``failed_sign_ins`` and ``accounts_with_failed_sign_ins`` (ints),
        ``lockouts`` (int) and ``pseudonymised`` (events of erased accounts).
    """
    events = AuditEvent.objects.filter(created_at__gte=since, created_at__lt=until)
    labels = dict(AuditEvent.Action.choices)
    by_action = Counter(events.values_list("action", flat=True))
    staff_views = list(
        events.filter(action=AuditEvent.Action.STAFF_VIEWED, actor_role__in=STAFF_ROLES)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    per_staff = {}
    unexplained = []
    for event in staff_views:
        name = event.actor.username if event.actor else "(deleted account)"
        row = per_staff.setdefault(
            name,
            {
                "staff": name,
                "role": str(ACTOR_ROLE_FOR_STAFF[event.actor_role]),
                "views": 0,
                "with_request": 0,
                "learners": set(),
            },
        )
        row["views"] += 1
        row["learners"].add(event.subject_id)
        if event.changes.get("request"):
            row["with_request"] += 1
        else:
            unexplained.append(
                {
                    "at": event.created_at,
                    "staff": name,
                    "role": str(ACTOR_ROLE_FOR_STAFF[event.actor_role]),
                    "learner_id": event.subject_id,
                    "view": staff_view_for_staff(event.changes),
                }
            )
    failed = events.filter(action=AuditEvent.Action.LOGIN_FAILED)
    return {
        "total": sum(by_action.values()),
        "by_action": [(str(labels.get(action, action)), count) for action, count in by_action.most_common()],
        "staff_access": [
            row | {"learners": len(row["learners"])} for _, row in sorted(per_staff.items(), key=lambda item: item[0])
        ],
        "unexplained_access": unexplained,
        "failed_sign_ins": failed.count(),
        "accounts_with_failed_sign_ins": failed.values("subject").distinct().count(),
        "lockouts": by_action.get(AuditEvent.Action.LOGIN_LOCKED_OUT, 0),
        "pseudonymised": events.filter(pseudonymised_at__isnull=False).count(),
    }


def disclosures_of(subject):
    """Return the times ``subject``'s data was sent to a named partner, newest first (LGPD Art. 18 VII).

    Read from the audit log, where every partner roster export records each learner it
    lists (``privacy.services.partner_roster_record``).

    Returns:
        list of dicts: ``at`` (aware datetime), ``partner`` (the partner's name when sent) and
        ``progress_and_grades`` (bool: whether they were included, besides the enrollment).
    """
    events = AuditEvent.objects.filter(subject=subject, action=AuditEvent.Action.PARTNER_SHARED).order_by(
        "-created_at", "-id"
    )
    return [
        {
            "at": event.created_at,
            "partner": event.changes.get("partner", ""),
            "progress_and_grades": bool(event.changes.get("progress_and_grades")),
        }
        for event in events
    ]
