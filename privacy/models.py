"""Who may see each part of a learner's profile, and the log of privacy-relevant events."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from compliance.models import refuse_truncate
from compliance.registry import PURPOSE_SHORT_NAMES, Purpose
from compliance.search import free_text_indexes


class Audience(models.TextChoices):
    """Who may see a profile field, widest first (GDPR Art. 25(2): default is ``PRIVATE``)."""

    PUBLIC = "public", _("Everyone")
    LEARNERS = "learners", _("Signed-in learners")
    PRIVATE = "private", _("Only me")


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
    full_name = _audience_field(_("Full name"))
    photo = _audience_field(_("Photo"))
    bio = _audience_field(_("Bio"))
    country = _audience_field(_("Country"))
    education = _audience_field(_("Education and occupation"))
    courses = _audience_field(_("Courses"))
    accomplishments = _audience_field(_("Accomplishments"))
    reviewed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the learner last saved these settings.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("profile visibility settings")
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


#: The optional purposes, the only ones a learner consents to (all opt-in, GDPR Art. 6(1)(a), 7) or
#: objects to (Art. 21), in the order pages list them, with the words the Privacy tab shows.
CONSENT_PURPOSES = {
    Purpose.MARKETING_EMAIL: _("Send me news about courses by email."),
    Purpose.PERSONALIZATION: _("Recommend courses to me based on my learning history."),
    Purpose.RESEARCH: _("Use my learning data, de-identified and aggregated, for research on how people learn."),
    Purpose.PARTNER_SHARING: _("Share my progress and grades with the university or company running my courses."),
}


class Consent(models.Model):
    """One entry in the append-only consent ledger: a learner's choice for one purpose.

    The learner's current choice for a purpose is its latest entry; a purpose
    without entries is not granted (opt-in, GDPR Art. 7 and 25(2)). The database
    itself refuses to change or delete entries (a trigger), so the history of
    what was agreed, to which policy version and through which channel, stands
    as proof (GDPR Art. 7(1)).
    """

    class Source(models.TextChoices):
        SIGN_UP = "sign_up", _("At sign-up")
        SETTINGS = "settings", _("On the Privacy tab")
        API = "api", _("Through the API")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link in an email")
        OBJECTION = "objection", _("Objection request")
        STAFF = "staff", _("By staff on your behalf")
        POLICY_UPDATE = "policy_update", _("Confirmed after a privacy-policy update")
        GLOBAL_PRIVACY_CONTROL = "gpc", _("Your browser's Global Privacy Control signal")
        OPT_OUT_OF_SALE = "opt_out_of_sale", _("Your request to opt out of the sale or sharing of your data")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(
        max_length=30, choices=[(key.value, PURPOSE_SHORT_NAMES[key]) for key in CONSENT_PURPOSES]
    )
    granted = models.BooleanField()
    policy_version = models.CharField(max_length=20)
    source = models.CharField(max_length=20, choices=Source)
    note = models.TextField(_("note"), blank=True, help_text=_("Why staff recorded it on the learner's behalf."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "purpose", "-created_at"], name="privacy_consent_latest"),
            *free_text_indexes("prv_consent", "note"),  # searched by the erasure receipt's scan
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source="staff") | ~models.Q(note=""), name="privacy_consent_staff_has_note"
            ),
        ]
        triggers = [
            # SECURITY: the ledger is evidence; not even the application may rewrite it.
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            refuse_truncate("the consent ledger"),
        ]

    def __str__(self):
        return f"{self.purpose}: {'granted' if self.granted else 'withdrawn'}"


class ProcessingRestriction(models.Model):
    """A restriction of processing (GDPR Art. 18): while active, no optional processing at all.

    Active while ``lifted_at`` is empty. The learner is told before it is lifted
    (Art. 18(3)).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="restrictions"
    )
    reason = models.TextField(verbose_name=_("reason"))
    started_at = models.DateTimeField(verbose_name=_("started at"), auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_at = models.DateTimeField(verbose_name=_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("processing restriction")
        verbose_name_plural = _("processing restrictions")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(lifted_at__isnull=True), name="privacy_one_active_restriction"
            ),
        ]
        indexes = free_text_indexes("prv_restrict", "reason")  # searched by the erasure receipt's scan

    def __str__(self):
        if self.started_at:
            text = gettext("Restriction of %(user)s since %(date)s") % {
                "user": self.user,
                "date": f"{self.started_at:%Y-%m-%d}",
            }
        else:
            text = gettext("Restriction of %(user)s") % {"user": self.user}
        return gettext("%(restriction)s (lifted)") % {"restriction": text} if self.lifted_at else text


class SensitiveInformationLimit(models.Model):
    """A learner's limit on the use of their sensitive personal information (Cal. Civ. Code §1798.121).

    In force from ``created_at`` on: the portal then uses such information (the registry's
    ``sensitive_personal_information`` fields) only to provide the service and keep it secure
    (11 CCR §7027(m)); ``may_process`` refuses every optional purpose that would use it. One
    per learner: limiting again keeps the first.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sensitive_information_limit"
    )
    reference = models.CharField(
        max_length=20, blank=True, help_text=_("The data-rights request that asked for it, e.g. DSR-2026-000123.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Limit on sensitive information of {self.user}"


class ProcessingRun(models.Model):
    """One run of a job that uses personal data for an optional purpose (digest, exports).

    Records who ran it, when and how many learners it included — never who they were.
    """

    class Kind(models.TextChoices):
        MARKETING_DIGEST = "marketing_digest", _("Marketing digest")
        RESEARCH_EXPORT = "research_export", _("Research dataset export")
        PARTNER_ROSTER = "partner_roster", _("Partner roster export")

    kind = models.CharField(verbose_name=_("kind"), max_length=30, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who ran it; empty for a scheduled run."),
    )
    parameters = models.JSONField(
        verbose_name=_("parameters"), default=dict, blank=True, help_text=_("E.g. the partner; never learners' data.")
    )
    included = models.PositiveIntegerField(
        verbose_name=_("included"), default=0, help_text=_("How many learners the run included.")
    )
    excluded = models.PositiveIntegerField(
        verbose_name=_("excluded"), default=0, help_text=_("How many the gate left out.")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("processing run")
        verbose_name_plural = _("processing runs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class PolicyVersion(models.Model):
    """A version of the privacy policy or the terms, written in admin and activated once.

    At most one version of each kind is active. Activating a new privacy policy
    asks every learner to read its summary and confirm their consents again;
    until they do, optional processing for them stops (``may_process``).
    """

    class Kind(models.TextChoices):
        PRIVACY = "privacy", _("Privacy policy")
        TERMS = "terms", _("Terms of use")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    kind = models.CharField(verbose_name=_("kind"), max_length=10, choices=Kind)
    version = models.CharField(verbose_name=_("version"), max_length=20, help_text=_("E.g. 2026-11."))
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status, default=Status.DRAFT, editable=False
    )
    effective_date = models.DateField(
        verbose_name=_("effective date"),
    )
    summary = models.TextField(
        verbose_name=_("summary"), help_text=_("What changed, in plain words: learners are shown and emailed this.")
    )
    text = models.TextField(verbose_name=_("text"), help_text=_("The full text."))
    activated_at = models.DateTimeField(verbose_name=_("activated at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["kind", "-effective_date"]
        indexes = free_text_indexes("prv_policy", "version", "summary", "text")  # searched by the erasure scan
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="privacy_policy_version_unique"),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(status="active"), name="privacy_policy_one_active_per_kind"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.version} ({self.get_status_display().lower()})"


class PolicyAcknowledgement(models.Model):
    """A learner read the summary of a privacy-policy version and confirmed their consents."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acknowledgements")
    policy = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "policy"], name="privacy_policy_acknowledged_once"),
        ]

    def __str__(self):
        return f"{self.user} confirmed {self.policy.version}"
