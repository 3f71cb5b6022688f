"""Reads of the privacy app: the one place that decides what a viewer may see of a learner."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import conf
from .models import (
    CONSENT_PURPOSES,
    Audience,
    BackupCode,
    Consent,
    PolicyAcknowledgement,
    PolicyVersion,
    ProcessingRestriction,
    ProfileVisibility,
)
from .registry import Anonymize, Category, LawfulBasis, Purpose, Retain, registry


def profile_visibility_of(user):
    """Return the user's ``ProfileVisibility``; an unsaved all-private one if never saved.

    Uses ``user.profile_visibility`` when it is already loaded (select_related).
    """
    try:
        return user.profile_visibility
    except ProfileVisibility.DoesNotExist:
        return ProfileVisibility(user=user)


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
        list of ``Course``; accomplishments: list of ``Accomplishment``.
    """

    username: str
    fields: dict = field(default_factory=dict)

    def __bool__(self):
        return bool(self.fields)


def _course_lists(subject, want_courses, want_accomplishments):
    if not (want_courses or want_accomplishments):
        return [], []
    enrollments = subject.enrollments.select_related("course__partner").order_by("-enrolled_at", "pk")
    courses, accomplishments = [], []
    for enrollment in enrollments:
        course = enrollment.course
        if want_courses:
            courses.append(Course(course.title, course.partner.name))
        if want_accomplishments and enrollment.completed_at:
            accomplishments.append(Accomplishment(course.title, course.partner.name, enrollment.completed_at))
    return courses, accomplishments


def profile_for_audiences(*, subject, audiences):
    """Return what of ``subject``'s profile is visible to someone allowed ``audiences``.

    Args:
        subject: a user with ``profile`` (and ideally ``profile_visibility``) loaded.
        audiences: iterable of ``Audience`` the viewer belongs to.

    Returns:
        ``VisibleProfile``; falsy when nothing is visible. Email, phone and date
        of birth are never included (design: never shown on a profile).
    """
    audiences = frozenset(audiences)
    settings = profile_visibility_of(subject)
    # Under the digital age of consent nothing is public, whatever was chosen before (GDPR Art. 8).
    young = below_digital_consent_age(subject)
    allowed = {
        name
        for name, audience in settings.audiences().items()
        if (Audience.LEARNERS if young and audience == Audience.PUBLIC else audience) in audiences
    }
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
    courses, accomplishments = _course_lists(subject, "courses" in allowed, "accomplishments" in allowed)
    if courses:
        visible.fields["courses"] = courses
    if accomplishments:
        visible.fields["accomplishments"] = accomplishments
    return visible


def profile_visible_to(*, subject, viewer):
    """Return what ``viewer`` may see of ``subject``'s profile (see ``profile_for_audiences``)."""
    return profile_for_audiences(subject=subject, audiences=audiences_for_viewer(subject=subject, viewer=viewer))


def access_learner_profile(*, viewer, username):
    """Return ``(subject, VisibleProfile)`` for the profile at ``/learners/<username>/``.

    Raises:
        Http404: when no active learner has that username, or when nothing on the
            profile is visible to ``viewer`` (who is not its owner) — the same
            answer, so that nobody can learn whether an account exists.
    """
    User = get_user_model()
    subject = (
        User.objects.filter(username__iexact=username, is_active=True)
        .select_related("profile", "profile_visibility")
        .first()
    )
    if subject is None:
        raise Http404("No such profile.")
    visible = profile_visible_to(subject=subject, viewer=viewer)
    is_owner = viewer.is_authenticated and viewer.pk == subject.pk
    if not visible and not is_owner:
        raise Http404("No such profile.")
    return subject, visible


def two_factor_enabled(user):
    """Return whether ``user`` must give a code after the password (has a confirmed TOTP device)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user):
    """Return how many unused backup codes ``user`` has (0 when 2FA is off)."""
    return BackupCode.objects.filter(device__user=user, device__confirmed=True, used_at__isnull=True).count()


def privacy_notice():
    """Return what the portal processes, from the personal-data registry, for the privacy notice.

    GDPR Art. 13 and 14: categories, purposes with their lawful bases, recipients,
    retention and sources, per kind of record.

    Returns:
        list of dicts, one per declared model in registry order: ``description``,
        ``items`` (list of ``(category label, [field descriptions])``),
        ``processing`` (list of ``(purpose label, lawful basis label)``),
        ``retention``, ``recipients`` (list of str), ``source`` and ``erasure``
        (what erasure does, in words).
    """
    notice = []
    for declaration in registry:
        by_category = {}
        for personal in declaration.fields.values():
            by_category.setdefault(Category(personal.category).label, []).append(personal.description)
        rule = declaration.erasure
        if isinstance(rule, Retain):
            erasure = f"Kept: {rule.reason}"
        elif isinstance(rule, Anonymize):
            erasure = "Kept without anything that identifies you."
        else:
            erasure = "Deleted."
        notice.append(
            {
                "description": declaration.description,
                "items": list(by_category.items()),
                "processing": [
                    (Purpose(p.purpose).label, LawfulBasis(p.lawful_basis).label) for p in declaration.processing
                ],
                "retention": declaration.retention,
                "recipients": list(declaration.recipients),
                "source": declaration.source,
                "erasure": erasure,
            }
        )
    return notice


#: From this many wrong codes in a row, the code step says checking is paused rather than "wrong code".
THROTTLE_NOTICE_AFTER = 3


def two_factor_throttled(*, user):
    """Return whether repeated wrong codes have paused checking the user's app (django-otp throttling)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return (
        device is not None
        and device.throttling_failure_count >= THROTTLE_NOTICE_AFTER
        and not device.verify_is_allowed()[0]
    )


def consents_of(user):
    """Return the user's current choice per optional purpose, from the ledger's latest entries.

    Returns:
        dict ``{purpose: Consent or None}`` for every purpose of
        ``CONSENT_PURPOSES``, in that order; None means never decided, which
        counts as not granted (opt-in). One query.
    """
    latest = Consent.objects.filter(user=user).order_by("purpose", "-created_at", "-id").distinct("purpose")
    by_purpose = {consent.purpose: consent for consent in latest}
    return {purpose: by_purpose.get(purpose) for purpose in CONSENT_PURPOSES}


def marketing_objected(user):
    """Return whether the learner objected to direct marketing, which stops it for good (GDPR Art. 21(3))."""
    return Consent.objects.filter(user=user, purpose="marketing_email", source=Consent.Source.OBJECTION).exists()


def consent_history(user):
    """Return the user's consent ledger, newest first (QuerySet of ``Consent``)."""
    return Consent.objects.filter(user=user).order_by("-created_at", "-id")


def may_process(user, purpose):
    """Return whether the portal may use ``user``'s data for the optional ``purpose`` now.

    The one gate for every optional use of personal data. False when the
    account is inactive or erased, when processing is restricted (GDPR Art. 18),
    when the learner has not granted the purpose or withdrew it (the ledger's
    latest entry decides; GDPR Art. 6(1)(a), 7(3)), when their consent was given
    under an earlier privacy policy they have not confirmed again, or when they
    objected to direct marketing, which stops it for good (GDPR Art. 21(3)).

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
    if purpose == "marketing_email" and marketing_objected(user):
        return False
    latest = Consent.objects.filter(user=user, purpose=purpose).order_by("-created_at", "-id").first()
    if latest is None or not latest.granted:
        return False
    # After a new privacy policy, consents count again only once the learner confirmed them.
    return latest.policy_version == current_policy_version()


def below_digital_consent_age(user):
    """Return whether the learner's date of birth puts them under the digital age of consent.

    GDPR Art. 8(1): below ``PRIVACY_DIGITAL_CONSENT_AGE`` (16 by default; member
    states may set 13–16) a child's consent to online services is not valid on
    its own. Unknown date of birth → False. Nothing changes by itself when they
    come of age: they then choose.
    """
    date_of_birth = getattr(getattr(user, "profile", None), "date_of_birth", None)
    if date_of_birth is None:
        return False
    today = timezone.localdate()
    age = today.year - date_of_birth.year - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    return age < conf.DIGITAL_CONSENT_AGE


def active_privacy_policy():
    """Return the active ``PolicyVersion`` of the privacy policy, or None."""
    return PolicyVersion.objects.filter(kind=PolicyVersion.Kind.PRIVACY, status=PolicyVersion.Status.ACTIVE).first()


def current_policy_version():
    """Return the version consents given now refer to: the active privacy policy's, else ``PRIVACY_POLICY_VERSION``."""
    policy = active_privacy_policy()
    return policy.version if policy else conf.POLICY_VERSION


def policy_confirmation_due(user):
    """Return the active privacy policy ``user`` has not confirmed yet, or None."""
    policy = active_privacy_policy()
    if policy is None or PolicyAcknowledgement.objects.filter(user=user, policy=policy).exists():
        return None
    return policy


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
