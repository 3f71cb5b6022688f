"""Learners, their profiles and their learning records."""

import binascii
import hashlib
import time
import uuid
from base64 import b32encode
from pathlib import PurePosixPath
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from compliance.regimes import STATE_COUNTRY, US_STATES, RegimeKey
from compliance.search import free_text_indexes
from learnerportal.encryption import EncryptedCharField, EncryptedDateField

from . import conf
from .validators import (
    ERASED_USERNAME_PREFIX,
    INVALID_CHOICE_MESSAGE,
    phone_validator,
    prohibit_direction_controls,
    prohibit_null_characters,
    username_skeleton,
    username_skeleton_sql,
    username_validator,
    validate_date_of_birth,
    validate_email_deliverable,
    validate_timezone,
    validate_username_not_reserved,
)


class UserManager(BaseUserManager):
    """Create users with a normalised email and an empty profile (every user has one)."""

    use_in_migrations = True

    def _create_user(self, username, email, password, **extra_fields):
        if not username:
            raise ValueError("A username is required.")
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(username=username, email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        # Every user has a profile, so that no page has to guess.
        Profile.objects.using(self._db).create(user=user)
        return user

    def create_user(self, username, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(username, email, password, **extra_fields)

    def create_superuser(self, username, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(username, email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account: a learner (the data subject) or a staff member.

    The username is public (it names the profile URL ``/learners/<username>/``);
    the email is private and used to sign in and to reach the person.
    """

    username = models.CharField(
        _("username"),
        max_length=30,
        unique=True,
        # The rules about which names may be chosen are in validate_unique: names kept stay valid.
        validators=[username_validator],
        help_text=_("Public: it is part of your profile's address."),
        error_messages={"unique": _("That username is taken.")},
    )
    email = models.EmailField(
        _("email address"),
        unique=True,
        validators=[validate_email_deliverable],
        error_messages={"unique": _("That email is in use.")},
    )
    is_staff = models.BooleanField(_("staff status"), default=False, help_text=_("Can sign in to the admin site."))
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]
    #: What erasure's new username for an account starts with (see ``ERASED_USERNAME_PREFIX``).
    ERASED_USERNAME_PREFIX = ERASED_USERNAME_PREFIX

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        indexes = [models.Index(username_skeleton_sql(), name="accounts_user_name_skeleton")]

    def __str__(self):
        return self.username

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    def validate_unique(self, exclude=None):
        """Check uniqueness, and the rules on choosing a username for a new or renamed account or a new staff one.

        A chosen name must not read as a reserved or erased account's name
        (``validate_username_not_reserved``) nor like a staff member's
        (``validate_username_unlike_staff``). An account keeping its name and role is
        not checked again: names given before a rule, and erasure's "erased-…" names,
        stay valid.
        """
        super().validate_unique(exclude=exclude)
        if exclude and "username" in exclude:
            return
        before = self.__class__.objects.filter(pk=self.pk).values("username", "is_staff").first() if self.pk else None
        renamed = before is None or before["username"] != self.username
        try:
            if renamed:
                validate_username_not_reserved(self.username)
            if renamed or (self.is_staff and not before["is_staff"]):
                validate_username_unlike_staff(self.username, staff=self.is_staff, account=self)
        except ValidationError as error:
            raise ValidationError({"username": error}) from None

    def get_full_name(self):
        profile = getattr(self, "profile", None)
        return (profile.full_name if profile else "") or self.username

    def get_short_name(self):
        return self.username


def validate_username_unlike_staff(username, *, staff=False, account=None):
    """Raise ``ValidationError`` when ``username`` reads like a staff account's, so nobody passes for staff.

    "Reads like" is an equal ``username_skeleton``: with staff "priya.dpo" and
    "sam.support", learners may not take "priya.dp0" or "Sam-Support". A staff
    account (``staff=True``) may take no name that reads like any other account's,
    so the rule holds whichever of the two came first. Staff are the accounts with
    ``is_staff``; reserved names are ``validate_username_not_reserved``'s. Applied at
    sign-up (form and ``user_create``) and in admin (adding, renaming, making staff).

    Args:
        username: the name asked for.
        staff: whether the account is or becomes staff.
        account: the account being renamed (compared with everyone but itself), or None.

    Raises:
        ValidationError: code ``username_like_staff``, or for staff ``username_like_another``.
    """
    others = User.objects.alias(skeleton=username_skeleton_sql()).filter(skeleton=username_skeleton(username))
    if account is not None and account.pk is not None:
        others = others.exclude(pk=account.pk)
    if staff and others.exists():
        raise ValidationError(
            _(
                "Another account's username reads the same as this one. Choose another, "
                "so that nobody can pass for this staff member."
            ),
            code="username_like_another",
        )
    if not staff and others.filter(is_staff=True).exists():
        raise ValidationError(
            _("That username looks too much like one of our staff's. Choose another."), code="username_like_staff"
        )


def photo_upload_to(instance, filename):
    """Return a random storage name so a photo's path reveals nothing about its owner."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"profile-photos/{uuid.uuid4().hex}{suffix}"


class EducationLevel(models.TextChoices):
    SECONDARY = "secondary", _("Secondary school")
    VOCATIONAL = "vocational", _("Vocational training")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")
    OTHER = "other", _("Other")


class Profile(models.Model):
    """What a learner tells about themself. Who sees each part is in ``privacy``."""

    BIO_MAX_LENGTH = 300

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    full_name = models.CharField(
        _("full name"), max_length=150, blank=True, validators=[prohibit_null_characters, prohibit_direction_controls]
    )
    photo = models.ImageField(_("photo"), upload_to=photo_upload_to, blank=True)
    # A TextField's max_length bounds its form field only: the validator holds the model to it too.
    bio = models.TextField(
        _("bio"),
        max_length=BIO_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(BIO_MAX_LENGTH), prohibit_null_characters, prohibit_direction_controls],
    )
    # Encrypted at rest (the registry marks them sensitive): never filter on them in SQL.
    phone = EncryptedCharField(_("phone"), max_length=24, blank=True, validators=[phone_validator])
    date_of_birth = EncryptedDateField(
        _("date of birth"),
        null=True,
        blank=True,
        validators=[validate_date_of_birth],
        # The words of the Account tab's date field, for a date sent as text (a rectification request).
        error_messages={"invalid": _("Enter a valid date."), "invalid_date": _("Enter a valid date.")},
    )
    country = CountryField(_("country"), blank=True, error_messages={"invalid_choice": INVALID_CHOICE_MESSAGE})
    # Asked only of learners in the United States: which state's law applies depends on it.
    us_state = models.CharField(
        _("state"),
        max_length=2,
        blank=True,
        choices=US_STATES,
        error_messages={"invalid_choice": INVALID_CHOICE_MESSAGE},
    )
    # Set by staff in admin only, with the reason (``accounts.services.profile_regime_override``).
    regime_override = models.CharField(
        _("regime recorded by staff"),
        max_length=10,
        blank=True,
        choices=RegimeKey,
        help_text=_("Empty: the regime follows the learner's country (and state)."),
    )
    regime_override_reason = models.TextField(
        _("why staff recorded this regime"),
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000), prohibit_null_characters, prohibit_direction_controls],
    )
    education_level = models.CharField(
        _("education level"),
        max_length=20,
        choices=EducationLevel,
        blank=True,
        error_messages={"invalid_choice": INVALID_CHOICE_MESSAGE},
    )
    occupation = models.CharField(
        _("occupation"), max_length=100, blank=True, validators=[prohibit_null_characters, prohibit_direction_controls]
    )
    timezone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_timezone])
    # Blank: not chosen, so the browser's Accept-Language decides (``accounts.languages``).
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        choices=settings.LANGUAGES,
        error_messages={"invalid_choice": INVALID_CHOICE_MESSAGE},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        # The erasure receipt's scan searches every learner's bio for the erased one's identifiers.
        indexes = free_text_indexes("acc_profile", "bio", "regime_override_reason")
        permissions = [("record_regime", "Can record a learner's data-protection regime")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(regime_override="") | ~models.Q(regime_override_reason=""),
                name="accounts_profile_regime_override_has_reason",
            ),
        ]

    def __str__(self):
        return gettext("Profile of %(user)s") % {"user": self.user}

    def clean(self):
        """Refuse a state for a learner outside the United States: it would decide nothing but be kept."""
        super().clean()
        if self.us_state and self.country and self.country.code != STATE_COUNTRY:
            raise ValidationError(
                {
                    "us_state": ValidationError(
                        _("Choose a state only if you live in the United States."), code="us_state"
                    )
                }
            )

    @property
    def initials(self):
        """Return up to two initials from the full name, else the username's first letter."""
        words = self.full_name.split()
        if words:
            return "".join(word[0] for word in words[:2]).upper()
        return self.user.username[:1].upper()


class Partner(models.Model):
    """A university or company that offers courses on the platform."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        COMPANY = "company", _("Company")

    name = models.CharField(verbose_name=_("name"), max_length=200, unique=True)
    kind = models.CharField(verbose_name=_("kind"), max_length=20, choices=Kind)
    country = CountryField(_("country"))
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        indexes = free_text_indexes("acc_partner", "name")  # searched by the erasure receipt's scan

    def __str__(self):
        return self.name


class Course(models.Model):
    """A course offered by a partner."""

    slug = models.SlugField(verbose_name=_("slug"), max_length=80, unique=True)
    title = models.CharField(verbose_name=_("title"), max_length=200)
    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="courses")
    description = models.TextField(verbose_name=_("description"), blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = free_text_indexes("acc_course", "slug", "title", "description")  # searched by the erasure scan

    def __str__(self):
        return self.title


class Enrollment(models.Model):
    """A learner taking a course: progress in percent, final grade in percent."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="enrollments")
    enrolled_at = models.DateTimeField(verbose_name=_("enrolled at"), default=timezone.now)
    progress_percent = models.PositiveSmallIntegerField(
        verbose_name=_("progress percent"), default=0, validators=[MaxValueValidator(100)]
    )
    grade_percent = models.DecimalField(
        verbose_name=_("grade percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    completed_at = models.DateTimeField(verbose_name=_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="accounts_enrollment_once_per_course"),
            models.CheckConstraint(
                condition=models.Q(progress_percent__lte=100), name="accounts_enrollment_progress_max_100"
            ),
            models.CheckConstraint(
                condition=models.Q(grade_percent__isnull=True) | models.Q(grade_percent__gte=0, grade_percent__lte=100),
                name="accounts_enrollment_grade_0_100",
            ),
        ]
        ordering = ["-enrolled_at"]

    def __str__(self):
        return str(self.course)


class QuizResult(models.Model):
    """One attempt at a course quiz: score out of max_score points."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="quiz_results")
    quiz_title = models.CharField(max_length=200)
    score = models.PositiveSmallIntegerField()
    max_score = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__lte=models.F("max_score")), name="accounts_quizresult_score_le_max"
            ),
        ]
        ordering = ["-submitted_at"]

    def __str__(self):
        return f"{self.quiz_title}: {self.score}/{self.max_score}"


class Payment(models.Model):
    """A payment for a course. Kept for the legal retention period even after erasure."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="payments")
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    amount = models.DecimalField(
        verbose_name=_("amount"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(verbose_name=_("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. EUR."))
    paid_at = models.DateTimeField(verbose_name=_("paid at"), default=timezone.now)
    method_summary = models.CharField(
        verbose_name=_("method summary"),
        max_length=60,
        help_text=_("e.g. “Visa ending 4242”. Never a full card number."),
    )
    reference = models.UUIDField(verbose_name=_("reference"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="accounts_payment_amount_non_negative"),
        ]
        ordering = ["-paid_at"]

    def __str__(self):
        return f"{self.amount} {self.currency} on {self.paid_at:%Y-%m-%d}"


class LearningEvent(models.Model):
    """Something a learner did in a course, used to show and improve their progress."""

    class EventType(models.TextChoices):
        VIDEO_PLAYED = "video_played", _("Played a video")
        PAGE_VIEWED = "page_viewed", _("Viewed a page")
        QUIZ_STARTED = "quiz_started", _("Started a quiz")
        QUIZ_SUBMITTED = "quiz_submitted", _("Submitted a quiz")
        FORUM_POSTED = "forum_posted", _("Posted in the forum")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="learning_events")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="learning_events")
    event_type = models.CharField(max_length=30, choices=EventType)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "occurred_at"], name="accounts_le_user_time")]
        ordering = ["-occurred_at"]

    def __str__(self):
        return f"{self.get_event_type_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """A signed-in session of a user, as listed on the Security tab.

    One row per Django session, deleted with it (sign-out, expiry cleared by
    ``clearsessions``, a new key at sign-in or password change, "sign out of all
    other sessions"). Holds only a summary of the device: the browser and system
    named by the User-Agent, and the network the IP address belongs to — never
    the full address nor the raw User-Agent.
    """

    session = models.OneToOneField(
        "sessions.Session",
        on_delete=models.CASCADE,
        related_name="user_session",
        # No database constraint: a request may record its session just as another
        # request ends it. Such a row is never listed and is deleted at the next
        # listing (``user_sessions_prune``).
        db_constraint=False,
        help_text="The Django session.",
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="user_sessions")
    user_agent = models.CharField(max_length=100, blank=True, help_text="e.g. “Firefox on Linux”.")
    network = models.CharField(
        max_length=50, blank=True, help_text="The IP address truncated to /24 (IPv4) or /48 (IPv6)."
    )
    created_at = models.DateTimeField(default=timezone.now, help_text="When the session was signed in.")
    last_seen_at = models.DateTimeField(default=timezone.now, help_text="Last activity, to within a few minutes.")

    class Meta:
        ordering = ["-last_seen_at", "-pk"]

    def __str__(self):
        return f"{self.user_agent or 'Unknown browser'} ({self.network or 'unknown network'})"


class PersonalAccessToken(models.Model):
    """A learner's token for scripts and apps calling the REST API (``/api/v1/``) on their behalf.

    The token itself (``lpat_`` and 43 URL-safe characters, 256 random bits) is
    shown once when it is made; only its SHA-256 digest is stored, so neither a
    database leak nor staff can recover it. A token works only on the API, never
    on pages, the admin site or two-factor settings, and only until it expires or
    its owner revokes it. ``read`` tokens may only read; ``read_write`` tokens may
    also change settings and file requests.
    """

    #: Every token starts with this, so secret scanners and people recognise a leaked one.
    PREFIX = "lpat_"

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="personal_access_tokens")
    name = models.CharField(max_length=60, help_text="What the token is for, e.g. “Backup script”.")
    scope = models.CharField(max_length=10, choices=Scope, default=Scope.READ)
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, hex; never the token.")
    hint = models.CharField(max_length=12, help_text="The token's first characters, to tell tokens apart.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="accounts_token_expires_after_created"
            ),
            models.CheckConstraint(condition=models.Q(scope__in=["read", "read_write"]), name="accounts_token_scope"),
        ]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    def is_usable(self, now=None):
        """Return whether the token may authenticate now: not revoked, not expired."""
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


def totp_key_default():
    """Return a new TOTP secret: 20 random bytes (160 bits, RFC 4226 §4's recommended length), hex-encoded."""
    return random_hex(20)


def validate_totp_key(value):
    """Raise ``ValidationError`` unless ``value`` is hex-encoded (it is a secret: the message never repeats it)."""
    try:
        binascii.unhexlify(value.encode())
    except (binascii.Error, ValueError):
        raise ValidationError("The key must be hex-encoded bytes.", code="invalid_totp_key") from None


def signup_token_digest(token):
    """Return the hex SHA-256 digest under which a sign-up link's ``token`` is stored.

    A fast hash suffices: tokens carry 256 random bits, so there is nothing to guess.
    """
    return hashlib.sha256(token.encode()).hexdigest()


class SignupConfirmation(models.Model):
    """A sign-up waiting for its email address to be confirmed; the account is made from it when its link is used.

    The sign-up form answers the same for a new and a taken address, so that nobody
    learns from it which addresses have an account; the account is made only once its
    would-be owner proves the address is theirs with the link emailed to it. Only the
    link's SHA-256 digest is stored, and the password only as its hash. No account row
    exists before then, so an address or a username typed by someone else is not held:
    the first link used wins. Deleted when its link is used, and once it expires
    (``signup_confirmations_prune``).
    """

    digest = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the link's token, hex; never the token."
    )
    username = models.CharField(max_length=User._meta.get_field("username").max_length)
    email = models.EmailField()
    password = models.CharField(max_length=128, help_text="The chosen password's hash, as on the account.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(Lower("email"), name="accounts_signup_email_ci")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="accounts_signup_expires_after_created"
            ),
        ]

    def __str__(self):
        return "Sign-up waiting for its email address to be confirmed"


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP, RFC 6238) as a django-otp device, its secret encrypted at rest.

    The fields and the checking of codes are django-otp's ``otp_totp`` plugin's,
    unchanged: a code is accepted within ``tolerance`` steps of the app's known
    clock ``drift`` (which is followed when ``OTP_TOTP_SYNC`` is on), only at a
    time step after ``last_t`` (a code never works twice), and wrong codes are
    throttled (``OTP_TOTP_THROTTLE_FACTOR``, doubling pauses). django-otp's
    ``verify_token(user, device_id, token)`` loads the device with
    ``select_for_update``, so racing requests cannot both use one code.

    Only the key differs: it is an ``EncryptedCharField`` (``PORTAL_ENCRYPTION_KEYS``),
    so a database dump or backup holds no learner's second factor (GDPR Art. 32(1)(a)).
    The plugin's own model kept it in clear, and its admin showed it; this model has
    no admin page (only the learner ever sees their key, once, at set-up).
    """

    # SECURITY: encrypted at rest; max_length bounds the hex (40 bytes), not the stored token.
    key = EncryptedCharField(
        max_length=80,
        validators=[validate_totp_key],
        default=totp_key_default,
        help_text="A hex-encoded secret key of up to 40 bytes, encrypted at rest.",
    )
    step = models.PositiveSmallIntegerField(default=30, help_text="The time step in seconds.")
    t0 = models.BigIntegerField(default=0, help_text="The Unix time at which to begin counting steps.")
    digits = models.PositiveSmallIntegerField(
        choices=[(6, 6), (8, 8)], default=6, help_text="The number of digits to expect in a token."
    )
    tolerance = models.PositiveSmallIntegerField(
        default=1, help_text="The number of time steps in the past or future to allow."
    )
    drift = models.SmallIntegerField(
        default=0, help_text="The number of time steps the prover is known to deviate from our clock."
    )
    last_t = models.BigIntegerField(
        default=-1,
        help_text="The t value of the latest verified token. The next token must be at a higher time step.",
    )

    class Meta(Device.Meta):
        verbose_name = "TOTP device"

    @property
    def bin_key(self):
        """Return the secret key as bytes."""
        return binascii.unhexlify(self.key.encode())

    def verify_token(self, token):
        """Return whether ``token`` is the app's code now; record the step, or count a failure.

        django-otp's ``TOTPDevice.verify_token`` (1.7), line for line: refused
        unchecked while throttled; on success ``last_t``, ``drift`` and the last use
        are saved and the throttle reset; on failure the throttle grows (saved).
        """
        verify_allowed, _ = self.verify_is_allowed()
        if not verify_allowed:
            return False
        try:
            token = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            # SECURITY: only steps after the last verified one, so a code cannot be replayed.
            verified = totp.verify(token, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self):
        """Return the seconds of the first pause after a wrong code (``OTP_TOTP_THROTTLE_FACTOR``, default 1)."""
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self):
        """Return the ``otpauth://totp/…`` URL an authenticator app reads from the QR code.

        Key URI format of Google Authenticator, as django-otp writes it: the label is
        ``OTP_TOTP_ISSUER:username``, then the key (base32), SHA1, digits, period, issuer.
        """
        label = self.user.get_username()
        params = urlencode(
            {"secret": b32encode(self.bin_key), "algorithm": "SHA1", "digits": self.digits, "period": self.step}
        )
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "")
        if issuer:
            issuer = issuer.replace(":", "")
            label = f"{issuer}:{label}"
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"


class BackupCodeDevice(ThrottlingMixin, Device):
    """A learner's set of single-use backup codes for two-factor sign-in.

    The codes are stored only as salted SHA-256 digests: they are random
    (about 50 bits each), so a fast hash is enough, and nobody — staff
    included — can read them back. Verification is throttled by django-otp's
    ``ThrottlingMixin``, separately from the TOTP device, so a valid TOTP
    sign-in never counts as a failure here.
    """

    def verify_token(self, token):
        """Return True and burn the code when ``token`` is one of the unused codes (RFC 4226 §7.2 spirit)."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        normalized = normalize_backup_code(token)
        for code in self.codes.filter(used_at__isnull=True).select_for_update():
            if constant_time_compare(code.digest, backup_code_digest(code.salt, normalized)):
                code.used_at = timezone.now()
                code.save(update_fields=["used_at"])
                self.throttle_reset()
                return True
        self.throttle_increment()
        return False

    class Meta:
        db_table = "privacy_backupcodedevice"

    def get_throttle_factor(self):
        return conf.BACKUP_CODE_THROTTLE_FACTOR


def normalize_backup_code(token):
    """Return ``token`` as stored: lower case, without spaces or hyphens."""
    return "".join(str(token).split()).replace("-", "").lower()


def backup_code_digest(salt, normalized_code):
    """Return the hex SHA-256 digest of ``salt + code``."""
    return hashlib.sha256(f"{salt}{normalized_code}".encode()).hexdigest()


class BackupCode(models.Model):
    """One backup code, as a salted digest; ``used_at`` is set when it is spent."""

    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "privacy_backupcode"

    def __str__(self):
        return "Used backup code" if self.used_at else "Unused backup code"


class AccountRecovery(models.Model):
    """A learner's way back into an account whose every second factor is lost, after a waiting period.

    Asked for from the sign-in's code step, after the right password. The account's email
    address gets a link (``tokens.recovery_start_token_generator``); following it starts the
    waiting period (``ACCOUNTS_RECOVERY_WAIT_SECONDS``, fixed in ``completes_at`` when it
    starts), during which the owner is told by email and on every signed-in page, and may
    cancel. When it ends every second factor is removed, every session ended and every API
    token revoked (``recovery.account_recovery_complete``). Whoever knows only the password
    therefore cannot remove the second factor sooner than ``completes_at``, and the owner
    hears of it at once. Nobody, staff included, can move ``completes_at``: no admin page
    edits it. At most one open (``requested`` or ``waiting``) recovery per account.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Link emailed")
        WAITING = "waiting", _("Waiting period running")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    #: The states in which a recovery is still open: at most one per account.
    OPEN = (Status.REQUESTED, Status.WAITING)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_recoveries")
    status = models.CharField(max_length=10, choices=Status, default=Status.REQUESTED)
    requested_at = models.DateTimeField(default=timezone.now, help_text="When the link was last emailed.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the link was followed.")
    completes_at = models.DateTimeField(null=True, blank=True, help_text="When the waiting period ends.")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it was cancelled or completed.")
    setup_asked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the learner, signing in after it, was asked to set 2FA up again."
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name_plural = "account recoveries"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["requested", "waiting"]),
                name="accounts_one_open_recovery",
            ),
            models.CheckConstraint(
                condition=models.Q(status="requested") | models.Q(started_at__isnull=False, completes_at__isnull=False),
                name="accounts_recovery_started_has_end",
            ),
        ]

    def __str__(self):
        return f"Account recovery ({self.get_status_display()})"
