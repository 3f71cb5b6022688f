"""Who may see each part of a learner's profile: the audiences in force, and the profile a viewer sees."""

import functools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Subquery
from django.db.models.functions import Lower
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Enrollment
from learnerportal.compiled_sql import CompiledQuery

from ..models import (
    Audience,
    ProfileVisibility,
)
from .age import below_digital_consent_age, chosen_before_consent_age


def profile_visibility_of(user):
    """Return the user's ``ProfileVisibility``; an unsaved all-private one if never saved.

    Uses ``user.profile_visibility`` when it is already loaded (select_related).
    """
    try:
        return user.profile_visibility
    except ProfileVisibility.DoesNotExist:
        return ProfileVisibility(user=user)


def audiences_in_force(user, chosen=None):
    """Return ``{field name: Audience}`` as it applies now, the one reading of the learner's settings.

    Under the digital age of consent a field set to ``public`` counts as
    ``learners`` (GDPR Art. 8): nothing of a child's profile is public, whatever
    was chosen before their date of birth was known. The Privacy tab, the public
    profile and the API all read the settings through this.

    Args:
        user: the learner.
        chosen: ``{field name: Audience}`` to read instead of the saved settings (the
            Privacy tab's choices not saved yet, for its preview); None reads the saved ones.
    """
    young = below_digital_consent_age(user)
    if chosen is None:
        visibility = profile_visibility_of(user)
        settings = visibility.audiences()
        # Saved before the learner reached the age: a child's choice, which "public" in it stays
        # "learners" until they save again.
        young = young or chosen_before_consent_age(user, visibility.reviewed_at)
    else:
        settings = chosen
    return {
        name: Audience.LEARNERS if young and audience == Audience.PUBLIC else Audience(audience)
        for name, audience in settings.items()
    }


def audiences_for_viewer(*, subject, viewer):
    """Return the set of audiences whose fields ``viewer`` may see on ``subject``'s profile.

    Args:
        subject: the learner whose profile is shown.
        viewer: a user or ``AnonymousUser``.

    Returns:
        frozenset of ``Audience``: all three for the owner, ``public`` and
        ``learners`` for another signed-in user, ``public`` only for anyone else.
    """
    if viewer.is_authenticated and viewer.pk == subject.pk:
        return frozenset(Audience)
    if viewer.is_authenticated and viewer.is_active:
        return frozenset({Audience.PUBLIC, Audience.LEARNERS})
    return frozenset({Audience.PUBLIC})


@dataclass(frozen=True)
class Course:
    """A course on a profile's course list."""

    title: str
    partner: str


@dataclass(frozen=True)
class Accomplishment:
    """A completed course on a profile; ``completed_at`` is an aware datetime."""

    title: str
    partner: str
    completed_at: object


@dataclass
class VisibleProfile:
    """The parts of a learner's profile one viewer may see.

    Only the keys the viewer may see are present in ``fields``; fields that are
    allowed but empty are left out too. Values by key:
        full_name: str; photo: True (the photo is served by the photo view);
        bio: str; country: ``django_countries`` Country; education: dict with
        ``level`` (label) and ``occupation`` (str), either may be ""; courses:
        list of ``Course``, newest enrollment first; accomplishments: list of
        ``Accomplishment``, most recently completed first.
    ``more`` counts what a shortened list left out: ``{"courses": int,
    "accomplishments": int}``, 0 when the list is whole. ``card_key`` names this
    view in the shared cache, where the page keeps its rendered card (with the
    language and time zone); "" when the view is not cached (the owner's, staff's, a preview).
    ``cached_until`` is when the cached view ends (Unix seconds; 0 when not cached): what
    is kept made from it may not outlive it.
    """

    username: str
    fields: dict = field(default_factory=dict)
    more: dict = field(default_factory=lambda: {"courses": 0, "accomplishments": 0})
    card_key: str = ""
    cached_until: float = 0.0

    def __bool__(self):
        return bool(self.fields)


#: How many courses and accomplishments a page lists before "And N more" (``list_length``).
PROFILE_LIST_LENGTH = 20


def list_length_asked(request):
    """Return how many courses a page lists for ``request``: all (None) with ``?lists=all``, else the newest 20.

    The profile, the Privacy tab's preview and the dashboard read their
    ``list_length`` here, so "Show all" means the same on each.
    """
    return None if request.GET.get("lists") == "all" else PROFILE_LIST_LENGTH


#: A profile's courses: the newest enrollment first (the id breaks ties, as it did when they were listed).
_NEWEST_ENROLLMENT = (F("enrolled_at").desc(), F("pk").asc())
#: Its accomplishments: the most recently completed first, ties in the courses' order.
_NEWEST_COMPLETION = (F("completed_at").desc(nulls_last=True), *_NEWEST_ENROLLMENT)


def _newest_of_both_lists(user_id, *, list_length):
    """Return the query of ``user_id``'s ``list_length`` newest courses and accomplishments, with both totals.

    Each row: title, partner, enrolled_at, id, completed_at, how many courses and how
    many accomplishments there are. The database picks the newest of each list by
    their ids (two top-N sorts of narrow rows) and joins the courses' titles to those
    alone, so at most twice ``list_length`` rows leave it however many enrollments
    there are; the caller puts them in order.
    """
    mine = Enrollment.objects.filter(user_id=user_id)
    newest = mine.order_by(*_NEWEST_ENROLLMENT).values("pk")[:list_length]
    completed = mine.filter(completed_at__isnull=False).order_by(*_NEWEST_COMPLETION).values("pk")[:list_length]
    totals = mine.order_by().values("user_id")
    return (
        Enrollment.objects.filter(pk__in=newest.union(completed))
        .order_by()
        .values_list(
            "course__title",
            "course__partner__name",
            "enrolled_at",
            "pk",
            "completed_at",
            Subquery(totals.annotate(count=Count("pk")).values("count")),
            Subquery(totals.annotate(count=Count("completed_at")).values("count")),
        )
    )


@functools.cache
def _newest_of_both_lists_read(list_length):
    """Return the ``CompiledQuery`` of ``_newest_of_both_lists`` for ``list_length`` (SQL writes the limit in)."""
    return CompiledQuery(functools.partial(_newest_of_both_lists, list_length=list_length))


def _course_lists(subject, want_courses, want_accomplishments, list_length):
    """Return ``(courses, accomplishments, more)`` for a profile, newest first, in one query.

    With ``list_length`` None both lists are whole; otherwise each holds at most that
    many and ``more`` counts the rest, and the database sends only those (its SQL is
    compiled once per process, ``CompiledQuery``): the page's cost does not grow with
    the learner's enrollments. Rows are read as plain tuples, not model instances.
    """
    more = {"courses": 0, "accomplishments": 0}
    if not (want_courses or want_accomplishments):
        return [], [], more
    if list_length is None:
        rows = subject.enrollments.order_by(*_NEWEST_ENROLLMENT).values_list(
            "course__title", "course__partner__name", "completed_at"
        )
        courses = [Course(title, partner) for title, partner, _ in rows]
        # Completed ones by when they were completed, the newest first (a stable sort keeps the courses' order on ties).
        accomplishments = sorted(
            (Accomplishment(*row) for row in rows if row[2]), key=lambda item: item.completed_at, reverse=True
        )
    else:
        rows = _newest_of_both_lists_read(list_length).rows(user_id=subject.pk)
        # The rows in each list's order: sorted by the order's last key first (sorts are stable).
        rows.sort(key=lambda row: row[3])
        rows.sort(key=lambda row: row[2], reverse=True)
        courses = [Course(title, partner) for title, partner, *_ in rows[:list_length]]
        completed = sorted((row for row in rows if row[4]), key=lambda row: row[4], reverse=True)
        accomplishments = [Accomplishment(title, partner, done) for title, partner, _, _, done, *_ in completed]
        accomplishments = accomplishments[:list_length]
        if rows:
            more = {"courses": rows[0][5] - len(courses), "accomplishments": rows[0][6] - len(accomplishments)}
    if not want_courses:
        courses, more["courses"] = [], 0
    if not want_accomplishments:
        accomplishments, more["accomplishments"] = [], 0
    return courses, accomplishments, more


def fields_visible_to(*, subject, audiences, chosen=None):
    """Return the names of the fields of ``subject``'s profile that someone allowed ``audiences`` may see.

    The one rule of who sees what: a field is visible when the audience in force for
    it (``audiences_in_force``) is one the viewer belongs to. Whether the field is
    filled in does not matter here.

    Args:
        subject: the learner whose profile is shown.
        audiences: iterable of ``Audience`` the viewer belongs to.
        chosen: settings not saved yet to read instead of the saved ones (as in
            ``audiences_in_force``); None reads the saved settings.

    Returns:
        set of field names (``ProfileVisibility.FIELDS``).
    """
    audiences = frozenset(audiences)
    return {name for name, audience in audiences_in_force(subject, chosen).items() if audience in audiences}


def profile_for_audiences(*, subject, audiences, list_length=PROFILE_LIST_LENGTH, chosen=None):
    """Return what of ``subject``'s profile is visible to someone allowed ``audiences``.

    Args:
        subject: a user with ``profile`` (and ideally ``profile_visibility``) loaded.
        audiences: iterable of ``Audience`` the viewer belongs to.
        list_length: the most courses and accomplishments to list (the newest);
            ``VisibleProfile.more`` counts the rest. None lists them all.
        chosen: settings not saved yet to preview instead of the saved ones
            (``audiences_in_force``); None uses the saved settings.

    Returns:
        ``VisibleProfile``; falsy when nothing is visible. Email, phone and date
        of birth are never included (design: never shown on a profile).
    """
    allowed = fields_visible_to(subject=subject, audiences=audiences, chosen=chosen)
    profile = subject.profile
    visible = VisibleProfile(username=subject.username)
    if "full_name" in allowed and profile.full_name:
        visible.fields["full_name"] = profile.full_name
    if "photo" in allowed and profile.photo:
        visible.fields["photo"] = True
    if "bio" in allowed and profile.bio:
        visible.fields["bio"] = profile.bio
    if "country" in allowed and profile.country:
        visible.fields["country"] = profile.country
    if "education" in allowed and (profile.education_level or profile.occupation):
        visible.fields["education"] = {
            "level": profile.get_education_level_display() if profile.education_level else "",
            "occupation": profile.occupation,
        }
    courses, accomplishments, visible.more = _course_lists(
        subject, "courses" in allowed, "accomplishments" in allowed, list_length
    )
    if courses:
        visible.fields["courses"] = courses
    if accomplishments:
        visible.fields["accomplishments"] = accomplishments
    return visible


def profile_visible_to(*, subject, viewer, list_length=PROFILE_LIST_LENGTH):
    """Return what ``viewer`` may see of ``subject``'s profile (see ``profile_for_audiences``)."""
    audiences = audiences_for_viewer(subject=subject, viewer=viewer)
    return profile_for_audiences(subject=subject, audiences=audiences, list_length=list_length)


def active_learner_named(username):
    """Return the active learner whose username is ``username`` in any case, with profile and visibility; or None.

    One query.
    """
    User = get_user_model()
    try:
        # lower(username) = …, not username__iexact (upper(…)), and no ORDER BY: the unique index on
        # lower(username) answers it instead of a scan of every account. Usernames are ASCII (accounts.models).
        return (
            User.objects.alias(username_lower=Lower("username"))
            .select_related("profile", "profile_visibility")
            .get(username_lower=username.lower(), is_active=True)
        )
    except User.DoesNotExist:
        return None


def access_learner_profile(*, viewer, username, list_length=PROFILE_LIST_LENGTH):
    """Return ``(subject, VisibleProfile)`` for the profile at ``/learners/<username>/``, read from the database.

    ``list_length`` is as in ``profile_for_audiences``: the newest courses unless
    asked for all. The page and the API go through ``access_public_profile``, which
    answers visitors and signed-in learners from the shared cache and calls this
    for everyone else.

    Raises:
        Http404: when no active learner has that username, or when nothing on the
            profile is visible to ``viewer`` (who is not its owner) — the same
            answer, so that nobody can learn whether an account exists.
    """
    subject = active_learner_named(username)
    if subject is None:
        raise Http404("No such profile.")
    visible = profile_visible_to(subject=subject, viewer=viewer, list_length=list_length)
    is_owner = viewer.is_authenticated and viewer.pk == subject.pk
    if not visible and not is_owner:
        raise Http404("No such profile.")
    return subject, visible


def access_learner_photo(*, viewer, username):
    """Return the photo of the learner ``username``, opened for reading, if ``viewer`` may see it.

    Photos have no public URL: the page's photo view and the API both serve them
    through this, with the same rule as the rest of the profile.

    Returns:
        an open binary file of the stored JPEG; the caller closes it (e.g. ``FileResponse``).

    Raises:
        Http404: as ``access_learner_profile``, or the photo is hidden from ``viewer`` or missing.
    """
    subject, visible = access_learner_profile(viewer=viewer, username=username)
    if "photo" not in visible.fields:
        raise Http404("No such photo.")
    try:
        return subject.profile.photo.open("rb")
    except FileNotFoundError:
        raise Http404("No such photo.") from None


def public_chosen_before_consent_age(user):
    """Return whether ``user``, now old enough, has "Everyone" saved from before they were (GDPR Art. 8).

    Such fields are shown to signed-in learners (``audiences_in_force``) until the
    learner chooses again; the Privacy tab says so. False while under the age.
    """
    # Old enough, the saved settings differ from those in force only by such a field.
    return not below_digital_consent_age(user) and audiences_in_force(user) != profile_visibility_of(user).audiences()


def visibility_change_description(event):
    """Return the sentence a learner reads for a ``VISIBILITY_CHANGED`` audit event, with the audiences' labels.

    Returns:
        str, e.g. "Profile visibility changed (bio: Only me → Everyone)."
    """
    labels = dict(Audience.choices)
    parts = [
        f"{FIELD_WORDS.get(name, name.replace('_', ' '))}: "
        f"{labels.get(values[0], values[0])} → {labels.get(values[1], values[1])}"
        for name, values in (event.changes or {}).items()
    ]
    return gettext("Profile visibility changed (%(changes)s).") % {"changes": "; ".join(parts)}


#: How the Account activity page names a profile field whose audience changed.
FIELD_WORDS = {
    "full_name": gettext_lazy("full name"),
    "photo": gettext_lazy("photo"),
    "bio": gettext_lazy("bio"),
    "country": gettext_lazy("country"),
    "education": gettext_lazy("education"),
    "courses": gettext_lazy("courses"),
    "accomplishments": gettext_lazy("accomplishments"),
}
