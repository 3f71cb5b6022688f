"""Reads of the privacy app: the one place that decides what a viewer may see of a learner."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import BoolOr
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, When, Window
from django.db.models.functions import Coalesce, Lower, RowNumber
from django.http import Http404
from django.utils import timezone

from accounts.selectors import authenticators_in_use, backup_codes_unused, two_factor_enabled
from compliance.registry import Purpose

from . import conf
from .models import (
    CONSENT_PURPOSES,
    Audience,
    Consent,
    PolicyAcknowledgement,
    PolicyVersion,
    ProcessingRestriction,
    ProfileVisibility,
)


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
    "accomplishments": int}``, 0 when the list is whole.
    """

    username: str
    fields: dict = field(default_factory=dict)
    more: dict = field(default_factory=lambda: {"courses": 0, "accomplishments": 0})

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


def _course_lists(subject, want_courses, want_accomplishments, list_length):
    """Return ``(courses, accomplishments, more)`` for a profile, newest first, in one query.

    With ``list_length`` None both lists are whole; otherwise each holds at most that
    many and ``more`` counts the rest, so the page's length does not grow with the
    learner's enrollments (issue 9). Rows are read as plain tuples, not model
    instances: a thousand cost a few milliseconds.
    """
    more = {"courses": 0, "accomplishments": 0}
    if not (want_courses or want_accomplishments):
        return [], [], more
    rows = subject.enrollments.order_by("-enrolled_at", "pk").values_list(
        "course__title", "course__partner__name", "completed_at"
    )
    courses = [Course(title, partner) for title, partner, _ in rows] if want_courses else []
    # Accomplishments by when they were achieved, the newest first (a stable sort keeps enrollment order on ties).
    accomplishments = (
        sorted((Accomplishment(*row) for row in rows if row[2]), key=lambda item: item.completed_at, reverse=True)
        if want_accomplishments
        else []
    )
    if list_length is not None:
        more = {
            "courses": max(len(courses) - list_length, 0),
            "accomplishments": max(len(accomplishments) - list_length, 0),
        }
        courses, accomplishments = courses[:list_length], accomplishments[:list_length]
    return courses, accomplishments, more


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
    audiences = frozenset(audiences)
    allowed = {name for name, audience in audiences_in_force(subject, chosen).items() if audience in audiences}
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


def access_learner_profile(*, viewer, username, list_length=PROFILE_LIST_LENGTH):
    """Return ``(subject, VisibleProfile)`` for the profile at ``/learners/<username>/``.

    ``list_length`` is as in ``profile_for_audiences``: the page lists the newest
    courses unless asked for all; the API lists them all.

    Raises:
        Http404: when no active learner has that username, or when nothing on the
            profile is visible to ``viewer`` (who is not its owner) — the same
            answer, so that nobody can learn whether an account exists.
    """
    User = get_user_model()
    try:
        # lower(username) = …, not username__iexact (upper(…)), and no ORDER BY: the unique index on
        # lower(username) answers it instead of a scan of every account. Usernames are ASCII (accounts.models).
        subject = (
            User.objects.alias(username_lower=Lower("username"))
            .select_related("profile", "profile_visibility")
            .get(username_lower=username.lower(), is_active=True)
        )
    except User.DoesNotExist:
        raise Http404("No such profile.") from None
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


def _restrictions_in_force():
    return ProcessingRestriction.objects.filter(lifted_at__isnull=True).order_by("pk")


@dataclass(frozen=True)
class Safeguards:
    """The Privacy tab's account facts beside the consents, read in one query.

    Attributes:
        two_factor_on: as ``two_factor_enabled``.
        backup_codes_left: as ``backup_codes_left``.
        restricted_since: when the restriction of processing in force began
            (``active_restriction``; GDPR Art. 18), or None.
    """

    two_factor_on: bool
    backup_codes_left: int
    restricted_since: datetime.datetime | None


def safeguards_of(user):
    """Return ``user``'s ``Safeguards``: 2FA, backup codes left and a restriction in force, in one query."""
    codes = (
        backup_codes_unused()
        .filter(device__user=OuterRef("pk"))
        .order_by()
        .values("device__user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            two_factor_on=Exists(authenticators_in_use().filter(user=OuterRef("pk"))),
            backup_codes_left=Coalesce(Subquery(codes[:1]), 0),
            restricted_since=Subquery(_restrictions_in_force().filter(user=OuterRef("pk")).values("started_at")[:1]),
        )
        .get()
    )
    return Safeguards(**row)


#: The purposes an objection stops for good: direct marketing (GDPR Art. 21(3)). An objection to
#: another optional purpose withdraws it like any withdrawal; the learner may grant it again.
OBJECTION_FINAL_PURPOSES = (Purpose.MARKETING_EMAIL,)

#: The ledger entries that stop their purpose for good.
_FINAL_OBJECTION = Q(purpose__in=OBJECTION_FINAL_PURPOSES, source=Consent.Source.OBJECTION)

_NEWEST_FIRST = (F("created_at").desc(), F("id").desc())


def objected_for_good(user, purpose):
    """Return whether ``user`` objected to ``purpose`` and may never grant it again (GDPR Art. 21(3)).

    Only the purposes of ``OBJECTION_FINAL_PURPOSES`` (direct marketing) are stopped for good;
    for any other this is False without a query.
    """
    if purpose not in OBJECTION_FINAL_PURPOSES:
        return False
    return Consent.objects.filter(_FINAL_OBJECTION, user=user, purpose=purpose).exists()


@dataclass(frozen=True)
class ConsentState:
    """A learner's choice in force for one optional purpose: what the Privacy tab, the API and the gate read.

    Attributes:
        purpose: a key of ``CONSENT_PURPOSES``.
        latest: the ledger's latest entry for it, or None when never asked (which is off: opt-in).
        objected: an objection stopped it for good (``objected_for_good``, GDPR Art. 21(3)).
        granted: the learner allows it: the latest entry grants, it was not given before they
            reached the digital age of consent (``consent_counts``, GDPR Art. 8(1)), and no
            objection stopped it. ``may_process`` checks restriction and policy version beside this.
    """

    purpose: str
    latest: Consent | None
    objected: bool
    granted: bool

    @property
    def description(self):
        """Return what agreeing means, in the Privacy tab's words."""
        return CONSENT_PURPOSES[self.purpose]


def _consent_state(user, purpose, latest, objected):
    """Return the ``ConsentState`` of ``purpose`` from its latest ledger entry and whether it was objected to."""
    return ConsentState(
        purpose=purpose, latest=latest, objected=objected, granted=not objected and consent_counts(user, latest)
    )


def consent_state(user, purpose):
    """Return ``user``'s ``ConsentState`` for the optional ``purpose``, in one query."""
    latest = (
        Consent.objects.filter(user=user, purpose=purpose)
        .annotate(objected=Exists(Consent.objects.filter(_FINAL_OBJECTION, user=user, purpose=purpose)))
        .order_by(*_NEWEST_FIRST)
        .first()
    )
    return _consent_state(user, purpose, latest, objected=latest is not None and latest.objected)


@dataclass(frozen=True)
class ConsentLedger:
    """What the Privacy tab shows of a learner's consent ledger, read in one query.

    Attributes:
        states: ``{purpose: ConsentState}`` for every purpose of ``CONSENT_PURPOSES``, in that order.
        recent: the newest entries, newest first, at most the number asked for.
        total: how many entries the ledger holds.
    """

    states: dict
    recent: list
    total: int


def consent_ledger(user, *, recent=50):
    """Return ``user``'s ``ConsentLedger``: the state of each purpose and the ``recent`` newest entries.

    One query whatever the ledger's length: window functions rank each entry within
    its purpose and overall and note an objection for good anywhere in the purpose's
    entries; only the latest per purpose and the ``recent`` newest rows are read.
    """
    rows = (
        Consent.objects.filter(user=user)
        .annotate(
            place_in_purpose=Window(RowNumber(), partition_by=F("purpose"), order_by=_NEWEST_FIRST),
            place=Window(RowNumber(), order_by=_NEWEST_FIRST),
            objected=Window(BoolOr(Case(When(_FINAL_OBJECTION, then=True), default=False)), partition_by=F("purpose")),
            entries=Window(Count("pk")),
        )
        .filter(Q(place_in_purpose=1) | Q(place__lte=recent))
        .order_by(*_NEWEST_FIRST)
    )
    by_purpose, newest, total = {}, [], 0
    for row in rows:
        total = row.entries
        if row.place_in_purpose == 1:
            by_purpose[row.purpose] = row
        if row.place <= recent:
            newest.append(row)
    states = {}
    for purpose in CONSENT_PURPOSES:
        latest = by_purpose.get(purpose)
        states[purpose] = _consent_state(user, purpose, latest, objected=latest is not None and latest.objected)
    return ConsentLedger(states=states, recent=newest, total=total)


def consent_history(user):
    """Return the user's consent ledger, newest first (QuerySet of ``Consent``)."""
    return Consent.objects.filter(user=user).order_by("-created_at", "-id")


def active_restriction(user):
    """Return ``user``'s restriction of processing in force (GDPR Art. 18), or None."""
    return _restrictions_in_force().filter(user=user).first()


def may_process(user, purpose):
    """Return whether the portal may use ``user``'s data for the optional ``purpose`` now.

    The one gate for every optional use of personal data. False when the
    account is inactive or erased, when processing is restricted (GDPR Art. 18),
    when the learner does not grant the purpose now (``ConsentState.granted``: never
    asked, withdrawn, given as a child, or objected to for good; GDPR Art. 6(1)(a),
    7(3), 8(1), 21(3)), or when their consent was given under an earlier privacy
    policy they have not confirmed again.

    Args:
        user: the data subject.
        purpose: a key of ``CONSENT_PURPOSES``; an unknown purpose is never allowed.

    Returns:
        bool.
    """
    if purpose not in CONSENT_PURPOSES or not user.is_active:
        return False
    if below_digital_consent_age(user):
        return False  # a child's own consent does not count (GDPR Art. 8(1)), whenever it was given
    if ProcessingRestriction.objects.filter(user=user, lifted_at__isnull=True).exists():
        return False
    state = consent_state(user, purpose)
    if not state.granted:
        return False
    # After a new privacy policy, consents count again only once the learner confirmed them.
    return state.latest.policy_version == current_policy_version()


def digital_consent_birthday(user):
    """Return the date ``user`` reaches the digital age of consent, or None when the date of birth is unknown.

    ``PRIVACY_DIGITAL_CONSENT_AGE`` years after the date of birth (GDPR Art. 8(1));
    for someone born on 29 February, 1 March in a year without one.
    """
    date_of_birth = getattr(getattr(user, "profile", None), "date_of_birth", None)
    if date_of_birth is None:
        return None
    year = date_of_birth.year + conf.DIGITAL_CONSENT_AGE
    try:
        return date_of_birth.replace(year=year)
    except ValueError:
        return datetime.date(year, 3, 1)


def below_digital_consent_age(user):
    """Return whether the learner's date of birth puts them under the digital age of consent.

    GDPR Art. 8(1): below ``PRIVACY_DIGITAL_CONSENT_AGE`` (16 by default; member
    states may set 13–16) a child's consent to online services is not valid on
    its own. Unknown date of birth → False. Nothing changes by itself when they
    come of age: they then choose (``chosen_before_consent_age``).
    """
    birthday = digital_consent_birthday(user)
    return birthday is not None and timezone.localdate() < birthday


def chosen_before_consent_age(user, when):
    """Return whether a choice made at ``when`` (datetime or None) was made before ``user`` reached the age.

    Such a choice was a child's (GDPR Art. 8(1)): a consent given, or a profile made
    public, before the learner's date of birth was known still does not count after
    the birthday, until they choose again. False when either date is unknown.
    """
    birthday = digital_consent_birthday(user)
    return birthday is not None and when is not None and timezone.localdate(when) < birthday


def public_chosen_before_consent_age(user):
    """Return whether ``user``, now old enough, has "Everyone" saved from before they were (GDPR Art. 8).

    Such fields are shown to signed-in learners (``audiences_in_force``) until the
    learner chooses again; the Privacy tab says so. False while under the age.
    """
    # Old enough, the saved settings differ from those in force only by such a field.
    return not below_digital_consent_age(user) and audiences_in_force(user) != profile_visibility_of(user).audiences()


def consent_counts(user, consent):
    """Return whether the ledger entry ``consent`` (or None) is a grant that counts.

    It counts when it grants, and was not given before the learner reached the
    digital age of consent (``chosen_before_consent_age``). Other conditions of
    ``may_process`` (restriction, objection, policy version) are checked there.
    """
    return consent is not None and consent.granted and not chosen_before_consent_age(user, consent.created_at)


def active_privacy_policy():
    """Return the active ``PolicyVersion`` of the privacy policy, or None."""
    return PolicyVersion.objects.filter(kind=PolicyVersion.Kind.PRIVACY, status=PolicyVersion.Status.ACTIVE).first()


def current_policy_version():
    """Return the version consents given now refer to: the active privacy policy's, else ``PRIVACY_POLICY_VERSION``."""
    policy = active_privacy_policy()
    return policy.version if policy else conf.POLICY_VERSION


def policy_confirmation_due(user):
    """Return the active privacy policy ``user`` has not confirmed yet, or None.

    One query (the policy and whether the learner confirmed it): the policy middleware asks on
    every page view. An account made after the policy became active signed up under it (the
    sign-up page links to the notice): it has nothing to confirm.
    """
    policy = (
        PolicyVersion.objects.filter(kind=PolicyVersion.Kind.PRIVACY, status=PolicyVersion.Status.ACTIVE)
        .annotate(confirmed=Exists(PolicyAcknowledgement.objects.filter(user=user, policy=OuterRef("pk"))))
        .first()
    )
    if policy is None or policy.confirmed:
        return None
    if policy.activated_at and user.date_joined >= policy.activated_at:
        return None
    return policy


def privacy_at_a_glance(user):
    """Return what the dashboard's privacy checkup shows: who sees the profile, 2FA, consents.

    Returns:
        dict with ``audience_counts`` (``[(Audience, number of profile fields)]``,
        widest audience first, only audiences in use), ``reviewed_at`` (datetime
        or None), ``two_factor`` (bool) and ``consents_on`` / ``consents_total``
        (ints, purposes currently granted / all optional purposes).
    """
    audiences = list(audiences_in_force(user).values())  # as the tab and the profile apply them
    states = consent_ledger(user, recent=0).states
    return {
        "audience_counts": [(a, audiences.count(a)) for a in Audience if a in audiences],
        "reviewed_at": profile_visibility_of(user).reviewed_at,
        "two_factor": two_factor_enabled(user),
        "consents_on": sum(1 for state in states.values() if state.granted),
        "consents_total": len(states),
    }


CHECKUP_DISMISSED_SESSION_KEY = "privacy_checkup_dismissed"


def privacy_checkup_due(request):
    """Return whether the dashboard should suggest reviewing the Privacy tab.

    True when the learner's last review (or, never reviewed, their sign-up) is
    older than ``PRIVACY_CHECKUP_AFTER_DAYS`` and they have not dismissed the
    suggestion in this session. Saving the Privacy tab counts as a review.
    """
    if request.session.get(CHECKUP_DISMISSED_SESSION_KEY):
        return False
    user = request.user
    last_review = profile_visibility_of(user).reviewed_at or user.date_joined
    return timezone.now() - last_review > datetime.timedelta(days=conf.CHECKUP_AFTER_DAYS)


def visibility_change_description(event):
    """Return the sentence a learner reads for a ``VISIBILITY_CHANGED`` audit event, with the audiences' labels.

    Returns:
        str, e.g. "Profile visibility changed (bio: Only me → Everyone)."
    """
    labels = dict(Audience.choices)
    parts = [
        f"{name.replace('_', ' ')}: {labels.get(values[0], values[0])} → {labels.get(values[1], values[1])}"
        for name, values in (event.changes or {}).items()
    ]
    return f"Profile visibility changed ({'; '.join(parts)})."
