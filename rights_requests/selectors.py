"""Reads of the rights_requests app."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from compliance.erasure import LEFTOVERS_LISTED, erasure_leftovers
from compliance.registry import Category, in_staff_words, registry
from learnerportal.compiled_sql import CompiledQuery

from . import conf
from .deadlines import end_of_day
from .models import OPEN_STATUSES, RequestEvent, RequestFile, RightsRequest, Status

# The registry, not the handlers package: the handlers (files, reports) read through this module.
from .request_types import handler_for, registered
from .standings import with_latest_lift_ask

#: The order learners see their requests in: newest first, the reference (unique) ordering those received together.
_NEWEST_FIRST = ("-received_at", "-reference")


def requests_of(subject):
    """Return the data subject's requests, newest first (the reference, unique, orders those received together).

    Returns:
        QuerySet of ``RightsRequest``.
    """
    return RightsRequest.objects.filter(subject=subject).order_by(*_NEWEST_FIRST)


def open_requests_of(subject):
    """Return the data subject's requests still being worked on, soonest deadline first.

    Returns:
        QuerySet of ``RightsRequest`` in ``OPEN_STATUSES``.
    """
    return RightsRequest.objects.filter(subject=subject, status__in=OPEN_STATUSES).order_by("due_at")


#: What the Your data tab reads of each request: its row and its standing, not its encrypted details
#: (decrypting them would cost the page more than everything else it reads). In the model's field order
#: (``Model.from_db`` reads the values so).
_LISTED_COLUMNS = (
    "id",
    "reference",
    "subject_id",
    "type",
    "status",
    "received_at",
    "filed_by",
    "due_at",
    "extended_at",
    "completed_at",
)


def _listed(subject_id, first, last):
    """Return the query of ``requests_page_of``: positions ``first``–``last`` (from 1), the requests in use, the newest.

    The newest request always comes: its window count is the total even on a page past the end.
    """
    lasting = [handler.type for handler in registered() if handler.lasts]
    in_use = Q(status__in=OPEN_STATUSES) | Q(status=Status.COMPLETED, type__in=lasting)
    return (
        with_latest_lift_ask(RightsRequest.objects.filter(subject_id=subject_id))
        .annotate(
            position=Window(RowNumber(), order_by=_NEWEST_FIRST),
            total=Window(Count("pk")),
            in_use=ExpressionWrapper(in_use, output_field=BooleanField()),
        )
        .filter(Q(position__range=(first, last)) | Q(in_use=True) | Q(position=1))
        .values_list(*_LISTED_COLUMNS, "latest_lift_ask", "position", "total", "in_use")
    )


# Building and compiling it took the ORM ten times as long as PostgreSQL takes to answer it.
_LISTED = CompiledQuery(_listed)


def requests_page_of(subject, number, *, per_page):
    """Return a page of the data subject's requests and the requests they may still be using, in one query.

    The Your data tab lists the requests newest first, ``per_page`` a page, and shows per right
    the open request or the completed one whose effect (a restriction) may still be in force,
    wherever it falls in the list. One query reads the page's rows, the requests in use and how
    many requests there are (a window count beside the rows, not a ``COUNT`` of its own), so a
    page costs the same queries whatever the learner has. A number that is not one, or below 1,
    gives the first page; one past the end gives the last (as ``Paginator.get_page``), which costs
    one more query.

    Args:
        subject: the data subject.
        number: the page asked for, as sent (``str``, or None for the first).
        per_page: requests a page (``int``).

    Returns:
        ``(page, in_use)``: a Django ``Page`` of ``RightsRequest``, newest first, and the list of
        open requests and completed ones of a lasting type, newest first, each with
        ``latest_lift_ask`` read (``standings.with_latest_lift_ask``). A request in both is
        the same instance. Only the fields of the rows are read (no ``details``).
    """
    try:
        number = max(int(number or 1), 1)
    except ValueError:
        number = 1
    first = (number - 1) * per_page + 1
    read = {}  # {position: (RightsRequest, in use)}
    total = _read_listed(read, subject, first, per_page)
    paginator = Paginator(range(total), per_page)  # counted already: no query
    if number > paginator.num_pages:
        number = paginator.num_pages
        first = (number - 1) * per_page + 1
        _read_listed(read, subject, first, per_page)
    positions = sorted(read)
    listed = [read[position][0] for position in positions if first <= position < first + per_page]
    return Page(listed, number, paginator), [read[position][0] for position in positions if read[position][1]]


def _read_listed(read, subject, first, per_page):
    """Add the rows of ``_LISTED`` to ``read`` (``{position: (RightsRequest, in use)}``); return the total."""
    rows = _LISTED.rows(subject_id=subject.pk, first=first, last=first + per_page - 1)
    for *values, latest_lift_ask, position, _count, in_use in rows:
        if position not in read:
            request = RightsRequest.from_db(RightsRequest.objects.db, _LISTED_COLUMNS, values)
            request.latest_lift_ask = latest_lift_ask
            read[position] = (request, in_use)
    return rows[0][-2] if rows else 0


def open_request_of(subject, request_type):
    """Return the subject's open request of ``request_type``, or None."""
    return RightsRequest.objects.filter(subject=subject, type=request_type, status__in=OPEN_STATUSES).first()


def reference_for_staff_access(*, subject, staff):
    """Return the reference of the open request of ``subject`` that ``staff`` is most likely working on.

    The open request assigned to ``staff`` comes first, then the one due soonest;
    "" when the learner has no open request (the view is then recorded without one).
    """
    open_requests = RightsRequest.objects.filter(subject=subject, status__in=OPEN_STATUSES)
    mine = open_requests.filter(assignee=staff).order_by("due_at").values_list("reference", flat=True).first()
    return mine or open_requests.order_by("due_at").values_list("reference", flat=True).first() or ""


def access_own_request(*, user, request_id):
    """Return the request ``request_id`` if ``user`` is its data subject, with its events loaded.

    Raises:
        Http404: for an unknown id, a malformed id, or another learner's request —
            the same answer, so nobody learns which requests exist.
    """
    try:
        return (
            RightsRequest.objects.prefetch_related("events")
            .select_related("subject")
            .get(pk=request_id, subject_id=user.pk)
        )
    except (RightsRequest.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such request.") from None


def requests_with_lapsed_lease(*, now):
    """Return the queued or running requests whose work's lease ran out before ``now``, oldest lease first.

    Returns:
        a queryset of ``RightsRequest`` with only ``pk`` loaded.
    """
    return (
        RightsRequest.objects.filter(status__in=(Status.APPROVED, Status.PROCESSING), lease_expires_at__lt=now)
        .order_by("lease_expires_at")
        .only("pk")
    )


def requests_with_unavailable_files(queryset=None):
    """Return requests whose stored file a download found missing or damaged (``RequestFile.unavailable_since``)."""
    queryset = RightsRequest.objects.all() if queryset is None else queryset
    unavailable = RequestFile.objects.filter(request=OuterRef("pk"), unavailable_since__isnull=False).exclude(
        storage_name=""
    )
    return queryset.filter(Exists(unavailable))


def privacy_officers():
    """Return the active privacy officers: staff in "Privacy officer" or holding ``extend_deadline``.

    Returns:
        a ``User`` queryset, each user once.
    """
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions__codename="extend_deadline") | Q(user_permissions__codename="extend_deadline"))
        .distinct()
    )


def staff_to_tell_of_failures(request):
    """Return who hears that ``request`` failed: its assignee, if active, and every privacy officer; by username."""
    people = set(privacy_officers())
    if request.assignee_id and request.assignee.is_active:
        people.add(request.assignee)
    return sorted(people, key=lambda user: user.username)


def reminders_due(now=None):
    """Return who must be reminded of which requests, for ``manage.py rights_requests_remind``.

    Assignees get their open requests due within ``RIGHTS_REQUESTS_REMIND_WITHIN_DAYS``
    days; active privacy officers (members of "Privacy officer" or holders of the
    ``extend_deadline`` permission) get all overdue requests and the unassigned
    ones due soon.

    Returns:
        list of ``(staff user, due_soon list, overdue list)``, one per recipient
        with something to hear about, ordered by username.
    """
    now = now or timezone.now()
    due_soon = list(requests_due_within(conf.REMIND_WITHIN_DAYS, now=now).select_related("assignee").order_by("due_at"))
    overdue = list(overdue_requests(now=now).order_by("due_at"))
    officers = privacy_officers()
    reminders = {}
    for request in due_soon:
        if request.assignee and request.assignee.is_active:
            reminders.setdefault(request.assignee, ([], []))[0].append(request)
    for officer in officers:
        mine = reminders.setdefault(officer, ([], []))
        mine[0].extend(r for r in due_soon if r.assignee_id is None and r not in mine[0])
        mine[1].extend(overdue)
    return [
        (user, due, late)
        for user, (due, late) in sorted(reminders.items(), key=lambda item: item[0].username)
        if due or late
    ]


def _platform_day(moment):
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _overdue_q(now):
    return Q(status__in=OPEN_STATUSES, due_at__lt=now)


def _due_within_q(days, now):
    limit = end_of_day(_platform_day(now) + datetime.timedelta(days=days))
    return Q(status__in=OPEN_STATUSES, due_at__gte=now, due_at__lte=limit)


def days_until_due(request, *, now=None):
    """Return the whole days from today to the request's due date, both taken in the platform's time zone.

    Returns:
        int: 0 when due today, 1 tomorrow, negative once the due date has passed
        (deadlines of GDPR Art. 12(3), see ``deadlines``).
    """
    return (_platform_day(request.due_at) - _platform_day(now or timezone.now())).days


def overdue_requests(requests=None, *, now=None):
    """Return the open requests among ``requests`` (default: all) whose deadline has passed.

    Returns:
        QuerySet of ``RightsRequest``.
    """
    requests = RightsRequest.objects.all() if requests is None else requests
    return requests.filter(_overdue_q(now or timezone.now()))


def requests_due_within(days, requests=None, *, now=None):
    """Return the open requests among ``requests`` (default: all) due by the end of the day ``days`` days from today.

    Days are calendar days in the platform's time zone, as in ``days_until_due``;
    overdue requests are not included.

    Returns:
        QuerySet of ``RightsRequest``.
    """
    requests = RightsRequest.objects.all() if requests is None else requests
    return requests.filter(_due_within_q(days, now or timezone.now()))


def queue_summary(*, now=None):
    """Count the open requests by type and status, and those overdue or due soon, in one query.

    Returns:
        dict with ``statuses`` (list of ``{"value", "label"}``, the open statuses in
        workflow order), ``types`` (one ``{"value", "label", "counts", "total"}`` per
        request type; ``counts`` is a list of ``{"status", "count"}`` in the order of
        ``statuses``), ``status_totals`` (list of int, same order), ``open``,
        ``overdue`` and ``due_soon`` (int; due soon means within ``due_soon_days``
        days, ``RIGHTS_REQUESTS_REMIND_WITHIN_DAYS``, and not overdue).
    """
    now = now or timezone.now()
    rows = list(
        RightsRequest.objects.filter(status__in=OPEN_STATUSES)
        .values("type", "status")
        .annotate(
            total=Count("pk"),
            overdue=Count("pk", filter=_overdue_q(now)),
            due_soon=Count("pk", filter=_due_within_q(conf.REMIND_WITHIN_DAYS, now)),
        )
        .order_by()
    )
    totals = {(row["type"], row["status"]): row["total"] for row in rows}
    types = []
    for handler in registered():
        counts = [
            {"status": status.value, "count": totals.get((handler.type, status.value), 0)} for status in OPEN_STATUSES
        ]
        types.append(
            {
                "value": handler.type,
                "label": handler.label,
                "counts": counts,
                "total": sum(cell["count"] for cell in counts),
            }
        )
    return {
        "statuses": [{"value": status.value, "label": status.label} for status in OPEN_STATUSES],
        "types": types,
        "status_totals": [
            sum(totals.get((handler.type, status.value), 0) for handler in registered()) for status in OPEN_STATUSES
        ],
        "open": sum(row["total"] for row in rows),
        "overdue": sum(row["overdue"] for row in rows),
        "due_soon": sum(row["due_soon"] for row in rows),
        "due_soon_days": conf.REMIND_WITHIN_DAYS,
    }


def events_of(request):
    """Return the events of ``request`` oldest first, with their actors loaded.

    Returns:
        QuerySet of ``RequestEvent``.
    """
    return request.events.select_related("actor").order_by("created_at", "id")


def personal_data_summary(subject):
    """Return what the personal-data registry holds about ``subject``: counts only, never values.

    Returns:
        list of ``{"description": str, "categories": [str, ...], "rows": int}`` (the description in
        staff's words: "the learner's payments"), one per
        declared model in registry order; ``rows`` is how many rows hold data about
        the subject (one count query per declaration).
    """
    return [
        {
            "description": in_staff_words(declaration.description),
            "categories": [Category(category).label for category in declaration.categories],
            "rows": declaration.queryset_for(subject).count(),
        }
        for declaration in registry
    ]


#: What a learner is told about where an open or withdrawn request stands.
STATUS_EXPLAINED = {
    Status.AWAITING_VERIFICATION: _(
        "We need to confirm that this request comes from you. We will write to your email address if we need anything."
    ),
    Status.AWAITING_APPROVAL: _("Our privacy team is reviewing your request. We will email you when we decide."),
    Status.APPROVED: _("Your request is approved. We will start on it shortly."),
    Status.PROCESSING: _("We are working on your request."),
    Status.FAILED: _(
        "Something went wrong on our side while carrying out your request. "
        "Our staff will try again; you do not need to do anything. If you would rather not wait, "
        "withdraw it and ask again."
    ),
    Status.WITHDRAWN: _("You withdrew this request. You can start a new one at any time."),
    Status.COMPLETED_WITH_FINDINGS: _(
        "Your data is erased. Our check found your former details in a few "
        "more places, such as notes; our privacy team is removing them."
    ),
}


def status_explained(rights_request):
    """Return what the request's status means for its learner, in a sentence; "" for a finished one.

    The type's handler may say it its own way (``Handler.explain_status``: a
    correction described only in words is made by staff by hand). Work that was
    interrupted and is being tried again is told as taking longer than usual.
    """
    explained = handler_for(rights_request.type).explain_status(rights_request)
    if explained is not None:
        return explained
    if rights_request.is_being_retried:
        return gettext("This is taking longer than usual — we are on it. You do not need to do anything.")
    return str(STATUS_EXPLAINED.get(rights_request.status, ""))


#: What happened, in the words the timeline uses for the learner.
EVENT_WORDS = {
    RequestEvent.Action.SUBMITTED: _("Request received"),
    RequestEvent.Action.VERIFIED: _("Identity confirmed"),
    RequestEvent.Action.APPROVED: _("Approved"),
    RequestEvent.Action.REJECTED: _("Rejected"),
    RequestEvent.Action.WITHDRAWN: _("Withdrawn"),
    RequestEvent.Action.PROCESSING: _("Work started"),
    RequestEvent.Action.COMPLETED: _("Completed"),
    RequestEvent.Action.FAILED: _("A problem on our side"),
    RequestEvent.Action.RETRIED: _("Trying again"),
    RequestEvent.Action.ASSIGNED: _("Passed to a member of our privacy team"),
    RequestEvent.Action.EXTENDED: _("Deadline extended"),
    RequestEvent.Action.CLOSED: _("Closed when your account was erased"),
    RequestEvent.Action.LEFTOVERS_FOUND: _("Completed; a few leftovers to remove"),
    RequestEvent.Action.REDACTED: _("Leftovers removed"),
    RequestEvent.Action.LEFTOVERS_CLEARED: _("Checked: nothing of yours is left"),
    RequestEvent.Action.REQUEUED: _("Taking longer than usual: we started again"),
    RequestEvent.Action.LIFT_ASKED: _("You asked us to lift the restriction"),
    RequestEvent.Action.LIFTED: _("Restriction lifted"),
    RequestEvent.Action.AUTHORITY_VERIFIED: _("We checked the authority of who asked for you"),
    RequestEvent.Action.OBJECTED: _("Cancelled: you told us you had not authorised it"),
    RequestEvent.Action.OBJECTION_NOTED: _("You told us you had not authorised who asked for you"),
}
#: Events whose note tells the learner what was done.
OUTCOME_ACTIONS = {RequestEvent.Action.COMPLETED, RequestEvent.Action.LEFTOVERS_FOUND}


def outcome_of(events):
    """Return what was done, as the learner is told it: the note of the last completing event, or "".

    Args:
        events: the request's ``RequestEvent`` rows, oldest first.
    """
    notes = [event.note_in_words() for event in events if event.action in OUTCOME_ACTIONS]
    return notes[-1] if notes else ""


#: Notes the learner does not see: assignment notes name the staff member, failure
#: notes name a program error. What happened is still shown.
HIDDEN_NOTES = {RequestEvent.Action.ASSIGNED, RequestEvent.Action.FAILED, RequestEvent.Action.REQUEUED}


@dataclass(frozen=True)
class TimelineEntry:
    """One row of a request's history as the learner sees it."""

    at: object
    actor: str
    what: str
    note: str


def timeline_of(rights_request):
    """Return the request's history as its learner may see it: ``TimelineEntry`` rows, oldest first.

    The Your data pages and the API both show this. Staff are never named (the
    learner sees "Our privacy team"), and notes in ``HIDDEN_NOTES`` are left out.

    Returns:
        list of ``TimelineEntry`` (``at`` is an aware datetime).
    """
    entries = []
    # A restriction completed is not over: it stays in force until lifted.
    completed_words = gettext("Kept in force") if handler_for(rights_request.type).lasts else None
    for event in rights_request.events.all():
        if event.actor_id is None:
            actor = gettext("Automatically")
        elif event.actor_id == rights_request.subject_id:
            actor = gettext("You")
        else:
            actor = gettext("Our privacy team")
        note = "" if event.action in HIDDEN_NOTES else event.note_in_words()
        what = str(EVENT_WORDS[event.action])
        if event.action == RequestEvent.Action.COMPLETED and completed_words:
            what = completed_words
        entries.append(TimelineEntry(event.created_at, actor, what, note))
    return entries


def erasure_leftovers_of(request):
    """Return the places that still hold an identifier the erasure ``request`` removed (GDPR Art. 17(1)).

    Returns:
        list of ``compliance.erasure.Leftover`` (at most ``LEFTOVERS_LISTED``) but the places
        the officer marked as checked; empty for any request that is not an erasure
        ``completed_with_findings``.
    """
    if request.status != Status.COMPLETED_WITH_FINDINGS:
        return []
    dismissed = frozenset(request.result.get("erasure_receipt", {}).get("dismissed", []))
    return erasure_leftovers(request.erasure_identifiers, request.subject, limit=LEFTOVERS_LISTED, skip=dismissed)
