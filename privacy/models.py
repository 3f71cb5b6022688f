"""Who may see each part of a learner's profile, and the log of privacy-relevant events."""

from django.conf import settings
from django.db import models


class Audience(models.TextChoices):
    """Who may see a profile field, widest first (GDPR Art. 25(2): default is ``PRIVATE``)."""

    PUBLIC = "public", "Everyone"
    LEARNERS = "learners", "Signed-in learners"
    PRIVATE = "private", "Only me"


#: The profile fields that have a visibility setting, in the order the Privacy tab shows them.
VISIBILITY_FIELDS = ("full_name", "photo", "bio", "country", "education", "courses", "accomplishments")


def _audience_field(verbose_name):
    return models.CharField(verbose_name, max_length=10, choices=Audience, default=Audience.PRIVATE)


class ProfileVisibility(models.Model):
    """A learner's choice of audience for each shareable part of their profile.

    A learner without a row sees and has every field ``private``; the row is
    created the first time they save the Privacy tab. Email, phone and date of
    birth have no setting: they are never shown on a profile.
    """

    FIELDS = VISIBILITY_FIELDS

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile_visibility")
    full_name = _audience_field("Full name")
    photo = _audience_field("Photo")
    bio = _audience_field("Bio")
    country = _audience_field("Country")
    education = _audience_field("Education and occupation")
    courses = _audience_field("Courses")
    accomplishments = _audience_field("Accomplishments")
    reviewed_at = models.DateTimeField(null=True, blank=True, help_text="When the learner last saved these settings.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "profile visibility settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{name}__in": Audience.values}),
                name=f"privacy_visibility_{name}_valid",
            )
            for name in VISIBILITY_FIELDS
        ]

    def __str__(self):
        return f"Visibility of {self.user}"

    def audiences(self):
        """Return ``{field name: Audience}`` for every shareable field."""
        return {name: Audience(getattr(self, name)) for name in self.FIELDS}


class AuditEvent(models.Model):
    """One privacy-relevant event on a learner's account: who did what, old → new.

    ``changes`` maps a setting to ``[old, new]`` for settings such as audiences;
    for personal data it lists only the names of the fields that changed, so the
    log never becomes a second copy of the data.
    """

    class Action(models.TextChoices):
        SIGNED_UP = "signed_up", "Account created"
        PROFILE_UPDATED = "profile_updated", "Profile updated"
        PHOTO_CHANGED = "photo_changed", "Photo changed"
        PHOTO_REMOVED = "photo_removed", "Photo removed"
        VISIBILITY_CHANGED = "visibility_changed", "Profile visibility changed"
        VISIBILITY_REVIEWED = "visibility_reviewed", "Profile visibility reviewed"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET = "password_reset", "Password reset by email"

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="audit_events", help_text="The data subject."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events_as_actor",
        help_text="Who did it; empty for the system.",
    )
    action = models.CharField(max_length=40, choices=Action)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject", "-created_at"], name="privacy_audit_subject_time")]

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"
