"""Reads of the audit log for the Account activity page: kinds of event, repeated staff views as one line, pages."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .exceptions import ComplianceError
from .models import ActorRole, AuditEvent
from .selectors import STAFF_ROLES, audit_event_description, staff_view_in_words

Action = AuditEvent.Action


class ActivityKind(models.TextChoices):
    """The kinds of event the learner can filter their Account activity by (each action is of exactly one)."""

    SIGN_INS = "sign-ins", _("Sign-ins")
    SECURITY = "security", _("Security & 2FA")
    PRIVACY = "privacy", _("Profile & privacy")
    REQUESTS = "requests", _("Data requests")
    SHARING = "sharing", _("Sharing & research")
    STAFF = "staff", _("Staff access")


#: ``{ActivityKind: actions}``; ``compliance/tests`` checks that every ``AuditEvent.Action`` is of one kind.
ACTIONS_OF_KIND = {
    ActivityKind.SIGN_INS: (
        Action.SIGNED_UP,
        Action.SIGNED_IN,
        Action.SIGNED_OUT,
        Action.LOGIN_FAILED,
        Action.LOGIN_LOCKED_OUT,
        Action.SESSIONS_ENDED,
    ),
    ActivityKind.SECURITY: (
        Action.PASSWORD_CHANGED,
        Action.PASSWORD_RESET,
        Action.TWO_FACTOR_ENABLED,
        Action.TWO_FACTOR_DISABLED,
        Action.BACKUP_CODES_REGENERATED,
        Action.RECOVERY_REQUESTED,
        Action.RECOVERY_STARTED,
        Action.RECOVERY_CANCELLED,
        Action.RECOVERY_COMPLETED,
        Action.PASSKEY_ADDED,
        Action.PASSKEY_RENAMED,
        Action.PASSKEY_REMOVED,
        Action.API_TOKEN_CREATED,
        Action.API_TOKEN_REVOKED,
    ),
    ActivityKind.PRIVACY: (
        Action.PROFILE_UPDATED,
        Action.PHOTO_CHANGED,
        Action.PHOTO_REMOVED,
        Action.VISIBILITY_CHANGED,
        Action.VISIBILITY_REVIEWED,
        Action.CONSENT_CHANGED,
    ),
    ActivityKind.REQUESTS: (
        Action.REQUEST_STEP,
        Action.EXPORT_GENERATED,
        Action.EXPORT_DOWNLOADED,
        Action.RESTRICTION_STARTED,
        Action.RESTRICTION_LIFTED,
        Action.SENSITIVE_USE_LIMITED,
    ),
    ActivityKind.SHARING: (Action.PARTNER_SHARED, Action.RESEARCH_INCLUDED),
    ActivityKind.STAFF: (Action.STAFF_VIEWED, Action.ACCOUNT_CHANGED, Action.ACCOUNT_CHANGE_REFUSED),
}

#: Neighbouring staff views at most this far apart are one line of the page (see ``ActivityLine``).
REPEATED_VIEW_GAP = timedelta(minutes=30)


class ActivityPageUnknown(ComplianceError):
    """The page asked for starts from an event that is not in the learner's own log."""

    code = "activity_page_unknown"


def _repeats(event, neighbour):
    """Return whether ``event`` repeats its ``neighbour`` in the list closely enough to share its line."""
    return (
        event.action == Action.STAFF_VIEWED
        and neighbour.action == Action.STAFF_VIEWED
        and event.actor_role in STAFF_ROLES
        and event.actor_role == neighbour.actor_role
        and event.changes == neighbour.changes
        and abs(event.created_at - neighbour.created_at) <= REPEATED_VIEW_GAP
    )


@dataclass
class ActivityLine:
    """One line of the Account activity page: one event, or a run of repeated staff views.

    Consecutive events in the (filtered) list, newest first, share one line when
    all are staff views (``STAFF_VIEWED``) by the same role (support team,
    privacy officer, other staff), of the same thing (the same ``view`` and the
    same data-rights request), and each follows its neighbour in the list within
    ``REPEATED_VIEW_GAP``. Any other event between two views ends the line, and
    so does a longer pause: the line "viewed your request 5 times between 19:10
    and 19:12" stands for exactly the 5 views it counts (access transparency,
    GDPR Art. 15(1)(c)). The rule compares neighbours only, so the same lines
    come out whether the log is read newest or oldest first.

    Attributes:
        newest, oldest: the line's newest and oldest ``AuditEvent`` (the same one when ``count`` is 1).
        count: how many events the line stands for.
    """

    newest: AuditEvent
    oldest: AuditEvent
    count: int = 1
    _edge: AuditEvent = field(default=None, repr=False)

    @property
    def event(self):
        """Return the newest event of the line, the one it is dated and described by."""
        return self.newest

    @property
    def first_at(self):
        """Return when the line's oldest event happened (aware datetime)."""
        return self.oldest.created_at

    @property
    def last_at(self):
        """Return when the line's newest event happened (aware datetime)."""
        return self.newest.created_at

    def description(self):
        """Return the line in the learner's words, naming no staff member.

        E.g. "A member of the support team viewed your request 5 times between
        19:10 and 19:12 GMT while working on request DSR-2026-000123." Times are in
        the current time zone, named.
        """
        if self.count == 1:
            return audit_event_description(self.newest)
        changes = self.newest.changes or {}
        values = {
            "who": ActorRole(self.newest.actor_role).label,
            "view": staff_view_in_words(changes),
            "count": self.count,
            "span": self._span(),
            "reference": changes.get("request"),
        }
        if values["reference"]:
            return (
                ngettext(
                    "%(who)s viewed %(view)s %(count)s time %(span)s while working on request %(reference)s.",
                    "%(who)s viewed %(view)s %(count)s times %(span)s while working on request %(reference)s.",
                    self.count,
                )
                % values
            )
        return (
            ngettext(
                "%(who)s viewed %(view)s %(count)s time %(span)s.",
                "%(who)s viewed %(view)s %(count)s times %(span)s.",
                self.count,
            )
            % values
        )

    def _span(self):
        first, last = timezone.localtime(self.first_at), timezone.localtime(self.last_at)
        if first.replace(second=0, microsecond=0) == last.replace(second=0, microsecond=0):
            # Translators: when repeated staff views happened, e.g. "at 19:10".
            return gettext("at %(time)s") % {"time": date_format(last, "H:i T")}
        shape = "H:i" if first.date() == last.date() else gettext("j M Y, H:i")
        # The zone is named once, after the second time: "between 19:10 and 19:12 GMT".
        return gettext("between %(first)s and %(last)s") % {
            "first": date_format(first, shape),
            "last": date_format(last, f"{shape} T"),
        }

    def _join(self, event):
        """Add ``event`` if it repeats the line's end it borders; return whether it did."""
        edge = self._edge or self.newest
        if not _repeats(event, edge):
            return False
        if event.created_at > edge.created_at or (event.created_at == edge.created_at and event.pk > edge.pk):
            self.newest = event
        else:
            self.oldest = event
        self.count += 1
        self._edge = event
        return True


@dataclass(frozen=True)
class ActivityPage:
    """One page of the Account activity page, newest line first.

    Attributes:
        lines: list of ``ActivityLine``.
        older: id of the event to pass as ``before`` for the next, older page, or None on the last page.
        newer: id of the event to pass as ``after`` for the previous, newer page, or None on the first page.
    """

    lines: list
    older: int | None
    newer: int | None


def _events(user, kind, *, start, older, chunk):
    """Yield ``user``'s events of ``kind`` (all when None) after ``start``, in pages of ``chunk`` rows.

    Newest first when ``older``, else oldest first; a keyset walk on
    ``(created_at, id)``, so reading stops where the caller stops.
    """
    events = AuditEvent.objects.filter(subject=user)
    if kind:
        events = events.filter(action__in=ACTIONS_OF_KIND[kind])
    events = events.order_by(*(("-created_at", "-id") if older else ("created_at", "id")))
    bound = start
    while True:
        following = events
        if bound is not None:
            at, pk = bound.created_at, bound.pk
            if older:
                following = events.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
            else:
                following = events.filter(Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk))
        batch = list(following[:chunk])
        yield from batch
        if len(batch) < chunk:
            return
        bound = batch[-1]


def _lines(user, kind, *, start, older, size):
    """Return up to ``size`` whole lines after ``start``, and whether more lines follow them."""
    lines = []
    for event in _events(user, kind, start=start, older=older, chunk=size + 1):
        if lines and lines[-1]._join(event):
            continue
        if len(lines) == size:
            # The first event of a further line: the last line on this page is whole.
            return lines, True
        lines.append(ActivityLine(newest=event, oldest=event))
    return lines, False


def account_activity_page(user, *, kind=None, before=None, after=None, size=50):
    """Return one page of ``user``'s own Account activity, newest first, repeated staff views as one line.

    Pages are cut between lines, never inside one (``ActivityLine`` says which
    events share a line), and found by keyset: ``before`` (older page) or
    ``after`` (newer page) names an event of the learner's own log that the
    page continues from. Only the events of the page's lines (and one more)
    are read, in chunks of ``size + 1``, never the whole log. A newer page that
    reaches the newest event is the first page.

    Args:
        user: the data subject whose log is read; nobody else's event is ever shown.
        kind: an ``ActivityKind`` to show only events of that kind, or None for all.
        before, after: an ``AuditEvent`` id (int) from a page's ``older`` / ``newer``, or None
            (at most one of them).
        size: lines per page (int, at least 1).

    Returns:
        ``ActivityPage``.

    Raises:
        ActivityPageUnknown: ``before`` or ``after`` names no event of ``user``'s own log.
    """
    cursor = before if before is not None else after
    start = None
    if cursor is not None:
        # SECURITY: only the learner's own events can anchor a page (another learner's id is "unknown").
        start = AuditEvent.objects.filter(subject=user, pk=cursor).only("pk", "created_at").first()
        if start is None:
            raise ActivityPageUnknown(gettext("This page of your activity does not exist."))
    if before is None and start is not None:
        lines, more_newer = _lines(user, kind, start=start, older=False, size=size)
        if more_newer:
            lines.reverse()
            return ActivityPage(lines=lines, older=lines[-1].oldest.pk, newer=lines[0].newest.pk)
        start = None
    lines, more_older = _lines(user, kind, start=start, older=True, size=size)
    return ActivityPage(
        lines=lines,
        older=lines[-1].oldest.pk if more_older else None,
        newer=lines[0].newest.pk if start is not None and lines else None,
    )
