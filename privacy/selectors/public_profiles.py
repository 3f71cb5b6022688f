"""Public profiles as each class of viewer sees them, kept in the shared cache, and their lists in pages.

The public profile is the page a platform serves most (crawlers included). What a
visitor, or any signed-in learner, may see of a learner is the same for every such
viewer, so it is computed once per learner and viewer class and kept in the cache
every process and host shares (Django's cache: Redis, else a PostgreSQL table). The
owner's own view and staff's are computed each time, and nothing personal to the
viewer is cached: the page around the profile is rendered for each request.

Entries carry the learner's cache version (``learnerportal.learner_cache``), which
every change that can alter them increments once it commits: the profile's
fields, who sees them, enrollments and accomplishments, the account's username or
deactivation, erasure (the receivers in ``accounts.signals`` and ``privacy.signals``,
and ``compliance.erasure``). Restriction of processing (GDPR Art. 18) hides nothing
on a profile, so it changes nothing here. The one change no write makes, a learner
reaching the digital age of consent (``audiences_in_force``), is the entry's expiry:
it ends at the first moment of that birthday in the platform's time zone.

Whole answers made from an entry (the page a visitor sees, the API's JSON) are kept
beside it under the same version (``public_answer_read``), and end no later than it.
"""

import datetime
import time
import uuid
from dataclasses import dataclass

from django.db.models import F
from django.http import Http404
from django.utils import timezone

from accounts.models import Enrollment
from learnerportal.learner_cache import learner_cache_keys, learner_cache_read, learner_cache_write

from .. import conf
from ..models import Audience
from .age import below_digital_consent_age, digital_consent_birthday
from .visibility import PROFILE_LIST_LENGTH, access_learner_profile, active_learner_named, profile_for_audiences

#: The classes of viewer whose view of a profile is cached: the audiences each belongs to.
VIEWER_CLASSES = {
    "public": frozenset({Audience.PUBLIC}),
    "learners": frozenset({Audience.PUBLIC, Audience.LEARNERS}),
}


#: Part of each entry's name: change it with what ``CachedProfile`` holds, so that a new release never reads
#: the entries an older one wrote (they expire on their own).
ENTRY_FORMAT = 3


@dataclass(frozen=True)
class CachedProfile:
    """A cache entry: the learner's id and what the viewer class sees (None: nothing, or no such learner)."""

    subject_id: int | None
    visible: object


def viewer_class(*, viewer, username):
    """Return the key of ``VIEWER_CLASSES`` ``viewer`` belongs to on ``username``'s profile, or None when not cached.

    None for the profile's owner (who sees everything filled in) and for staff,
    whose views are computed each time; "learners" for any other signed-in active
    user, "public" for everyone else (as ``audiences_for_viewer``).
    """
    if not viewer.is_authenticated:
        return "public"
    if viewer.is_staff or viewer.get_username().lower() == username.lower():
        return None
    return "learners" if viewer.is_active else "public"


def _seconds_to_keep(subject):
    """Return how long (s) an entry about ``subject`` may live: the setting, cut at the digital age of consent.

    Under the age, a field set to "public" counts as "learners" (GDPR Art. 8(1)); on
    the birthday, in the platform's time zone, it no longer does, with no write to
    drop the entry. 0 means "do not keep".
    """
    seconds = conf.PUBLIC_PROFILE_CACHE_SECONDS
    if below_digital_consent_age(subject):
        birthday = digital_consent_birthday(subject)
        comes_of_age = datetime.datetime.combine(birthday, datetime.time.min, tzinfo=timezone.get_default_timezone())
        seconds = min(seconds, int((comes_of_age - timezone.now()).total_seconds()))
    return max(seconds, 0)


def _entry(username, viewer_class_key):
    """Return the ``CachedProfile`` of ``username`` for a viewer class, from the cache or computed and stored.

    Cost: one cache round trip when cached; else also one query for the learner (with
    profile and visibility) and one for their enrollments, and a cache write.
    """
    name = f"public-profile:{ENTRY_FORMAT}:{viewer_class_key}"
    version, entry = learner_cache_read(username, name)  # the version before the database: a change after it wins
    if entry is not None:
        return entry
    subject = active_learner_named(username)
    if subject is None:
        entry, seconds = CachedProfile(subject_id=None, visible=None), conf.PUBLIC_PROFILE_CACHE_SECONDS
    else:
        visible = profile_for_audiences(subject=subject, audiences=VIEWER_CLASSES[viewer_class_key])
        # New with each entry, so that a card rendered from an older one is never shown with this one.
        visible.card_key = f"{username.lower()}:{viewer_class_key}:{uuid.uuid4().hex}"
        seconds = _seconds_to_keep(subject)
        visible.cached_until = time.time() + seconds
        entry = CachedProfile(subject_id=subject.pk, visible=visible or None)
    if seconds:
        learner_cache_write(username, name, version, entry, seconds)
    return entry


def access_public_profile(*, viewer, username, list_length=PROFILE_LIST_LENGTH):
    """Return ``(VisibleProfile, is_owner)`` for ``viewer`` at ``/learners/<username>/`` and its API.

    The newest ``PROFILE_LIST_LENGTH`` courses and accomplishments, as a visitor or a
    signed-in learner sees them, come from the shared cache; the owner's and staff's
    views, and whole lists (``list_length`` None), from ``access_learner_profile``.

    Raises:
        Http404: as ``access_learner_profile``: no active learner has that username, or
            nothing on the profile is visible to ``viewer`` (who is not its owner).
    """
    key = viewer_class(viewer=viewer, username=username)
    if key is None or list_length != PROFILE_LIST_LENGTH:
        subject, visible = access_learner_profile(viewer=viewer, username=username, list_length=list_length)
        return visible, viewer.is_authenticated and viewer.pk == subject.pk
    entry = _entry(username, key)
    if entry.visible is None:
        raise Http404("No such profile.")
    return entry.visible, False


@dataclass(frozen=True)
class AnswerSlot:
    """Where a whole answer about a learner is kept for one class of viewer, and what it holds now.

    ``version`` is the learner's cache version read before anything else (pass it back
    to ``public_answer_write``); ``kept`` the answer kept under it, or None.
    """

    username: str
    name: str
    version: int
    kept: object


def _answer_name(viewer_class_key, variant):
    return f"public-answer:{ENTRY_FORMAT}:{viewer_class_key}:{variant}"


def public_answer_keys(*, username, variant):
    """Return the cache keys ``public_answer_read`` reads for ``variant``, whatever the viewer's class (a list).

    For a request that can read them before it knows who the viewer is, in a round trip
    it makes anyway (the API's per-IP limit).
    """
    return learner_cache_keys(username, [_answer_name(key, variant) for key in VIEWER_CLASSES])


def public_answer_read(*, viewer, username, list_length, variant, read=None):
    """Return the ``AnswerSlot`` of the answer ``viewer`` gets at ``username``'s profile, or None when not kept.

    One cache round trip, or none with ``read``: the learner's version and the answer
    together. Kept for the classes of viewer whose view is cached (``viewer_class``), and
    only for the profile with its newest ``PROFILE_LIST_LENGTH`` of each list.

    Args:
        variant: what else the answer depends on besides the learner and the viewer
            class (str), e.g. its format, the site's address, the language and time zone.
        read: ``{key: value or None}`` of ``public_answer_keys`` read ahead in this request.
    """
    key = viewer_class(viewer=viewer, username=username)
    if key is None or list_length != PROFILE_LIST_LENGTH:
        return None
    name = _answer_name(key, variant)
    version, kept = learner_cache_read(username, name, read=read)
    return AnswerSlot(username=username, name=name, version=version, kept=kept)


def public_answer_write(slot, *, visible, kept):
    """Keep ``kept`` (a whole answer made from ``visible``) in ``slot``, for no longer than ``visible`` is cached.

    Made from a view read after ``slot.version`` was, so a change after that read makes it
    stale with the view. Nothing is kept when ``kept`` is None or the view is not cached.
    """
    seconds = int(visible.cached_until - time.time())
    if kept is not None and seconds > 0:
        learner_cache_write(slot.username, slot.name, slot.version, kept, seconds)


def access_learner_list(*, viewer, username, name):
    """Return the id of the learner whose list ``name`` ("courses" or "accomplishments") ``viewer`` may page through.

    Raises:
        Http404: as ``access_public_profile``, or the list is hidden from ``viewer`` or empty.
    """
    key = viewer_class(viewer=viewer, username=username)
    if key is None:
        subject, visible = access_learner_profile(viewer=viewer, username=username)
        subject_id = subject.pk
    else:
        entry = _entry(username, key)
        subject_id, visible = entry.subject_id, entry.visible
    if visible is None or name not in visible.fields:
        raise Http404("No such list.")
    return subject_id


def learner_courses(subject_id):
    """Return the learner's courses, newest enrollment first, as the profile lists them.

    Returns:
        a queryset of ``{"title": str, "partner": str}`` (page it: a learner may have thousands).
    """
    return (
        Enrollment.objects.filter(user_id=subject_id)
        .order_by("-enrolled_at", "pk")
        .values(title=F("course__title"), partner=F("course__partner__name"))
    )


def learner_accomplishments(subject_id):
    """Return the learner's completed courses, the most recently completed first, as the profile lists them.

    Returns:
        a queryset of ``{"title": str, "partner": str, "completed_at": aware datetime}``.
    """
    return (
        Enrollment.objects.filter(user_id=subject_id, completed_at__isnull=False)
        .order_by("-completed_at", "-enrolled_at", "pk")
        .values("completed_at", title=F("course__title"), partner=F("course__partner__name"))
    )
