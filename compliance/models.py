"""The audit log: the evidence of what happened to each learner's account, and by whom in what role."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The session setting that lets a TRUNCATE through the evidence tables' triggers: set by the
#: test database (Django empties tables between browser tests) and the benchmark's data reload.
TRUNCATE_ALLOWED_SETTING = "portal.truncate_allowed"
#: The transaction-local setting naming the account ``compliance.erasure`` is erasing (its pk).
ERASING_SUBJECT_SETTING = "portal.erasing_subject"


def refuse_truncate(table):
    """Return a statement-level trigger refusing TRUNCATE of an evidence ``table`` (unless allowed, above).

    A row trigger does not fire on TRUNCATE, so without this an append-only
    table could be emptied in one statement.
    """
    return pgtrigger.Trigger(
        name="no_truncate",
        operation=pgtrigger.Truncate,
        when=pgtrigger.Before,
        level=pgtrigger.Statement,
        func=(
            f"IF current_setting('{TRUNCATE_ALLOWED_SETTING}', true) = 'on' THEN RETURN NULL; END IF;"
            f" RAISE EXCEPTION 'pgtrigger: {table} is append-only: TRUNCATE refused';"
        ),
    )


class ActorRole(models.TextChoices):
    """In what capacity someone acted on a learner's account; the learner sees this, never a staff name."""

    SUBJECT = "subject", _("You")
    SYSTEM = "system", _("The portal")
    SUPPORT_AGENT = "support_agent", _("A member of the support team")
    PRIVACY_OFFICER = "privacy_officer", _("Our privacy officer")
    STAFF = "staff", _("A member of staff")
    OTHER = "other", _("Someone else")


class StaffGroup:
    """Names of the staff groups, created by data migrations, that ``actor_role_of`` maps to an ``ActorRole``."""

    PRIVACY_OFFICER = "Privacy officer"
    SUPPORT_AGENT = "Support agent"


#: ``ActorRole`` in the words of the privacy officer and auditors (the labels above are the learner's: "You").
ACTOR_ROLE_FOR_STAFF = {
    ActorRole.SUBJECT: _("The data subject"),
    ActorRole.SYSTEM: _("The portal (automatic)"),
    ActorRole.SUPPORT_AGENT: _("Support agent"),
    ActorRole.PRIVACY_OFFICER: _("Privacy officer"),
    ActorRole.STAFF: _("Other staff"),
    ActorRole.OTHER: _("Someone else"),
}


class StaffViewShown:
    """How a staff member saw what a ``STAFF_VIEWED`` event's ``changes["view"]`` names: its ``changes["shown"]``.

    Absent for the record's own page. For ``LIST``, ``changes["list"]`` names the list's model
    (``"accounts.user"``). Stored as codes and put into words when read, in the reader's language
    (``compliance.selectors.staff_view_in_words``).
    """

    HISTORY = "history"  #: the record's change history
    SEARCH = "search"  #: a row in the results of a search (never what was searched for)
    LIST = "list"  #: a row in a list


class AuditEvent(models.Model):
    """One privacy-relevant event on a learner's account: who did what, old → new.

    ``changes`` maps a setting to ``[old, new]`` for settings such as audiences;
    for personal data it lists only the names of the fields that changed, so the
    log never becomes a second copy of the data. ``actor_role`` is the actor's
    role when they acted (what the learner is shown); ``request_id`` ties the
    event to the HTTP request that caused it, ``network`` is its IP address
    truncated to /24 or /48.

    The log is append-only: a database trigger refuses every DELETE, and every
    UPDATE except the one erasure makes (``compliance.erasure``), which clears the
    network and sets ``pseudonymised_at`` and changes nothing else. The row then
    points at the anonymised, deactivated account: a pseudonym (GDPR Art. 4(5)),
    kept for accountability (Art. 5(2)).
    """

    class Action(models.TextChoices):
        SIGNED_UP = "signed_up", _("Account created")
        PROFILE_UPDATED = "profile_updated", _("Profile updated")
        PHOTO_CHANGED = "photo_changed", _("Photo changed")
        PHOTO_REMOVED = "photo_removed", _("Photo removed")
        VISIBILITY_CHANGED = "visibility_changed", _("Profile visibility changed")
        VISIBILITY_REVIEWED = "visibility_reviewed", _("Profile visibility reviewed")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset by email")
        TWO_FACTOR_ENABLED = "two_factor_enabled", _("Two-factor authentication turned on")
        TWO_FACTOR_DISABLED = "two_factor_disabled", _("Two-factor authentication turned off")
        BACKUP_CODES_REGENERATED = "backup_codes_regenerated", _("New backup codes made")
        RECOVERY_REQUESTED = "recovery_requested", _("Recovery without the second factor asked for")
        RECOVERY_STARTED = "recovery_started", _("Recovery without the second factor started")
        RECOVERY_CANCELLED = "recovery_cancelled", _("Recovery without the second factor cancelled")
        RECOVERY_COMPLETED = "recovery_completed", _("Recovery completed: second factors removed")
        PASSKEY_ADDED = "passkey_added", _("Passkey added")
        PASSKEY_RENAMED = "passkey_renamed", _("Passkey renamed")
        PASSKEY_REMOVED = "passkey_removed", _("Passkey removed")
        SIGNED_IN = "signed_in", _("Signed in")
        SIGNED_OUT = "signed_out", _("Signed out")
        LOGIN_FAILED = "login_failed", _("Failed sign-in attempt")
        SESSIONS_ENDED = "sessions_ended", _("Signed out of other sessions")
        LOGIN_LOCKED_OUT = "login_locked_out", _("Sign-in locked after repeated failed attempts")
        CONSENT_CHANGED = "consent_changed", _("Consent changed")
        RESTRICTION_STARTED = "restriction_started", _("Processing restricted")
        RESTRICTION_LIFTED = "restriction_lifted", _("Restriction of processing lifted")
        SENSITIVE_USE_LIMITED = "sensitive_use_limited", _("Use of sensitive personal information limited")
        REQUEST_STEP = "request_step", _("Data-rights request changed")
        EXPORT_GENERATED = "export_generated", _("Copy of the data prepared")
        EXPORT_DOWNLOADED = "export_downloaded", _("Copy of the data downloaded")
        PARTNER_SHARED = "partner_shared", _("Listed in a course partner's roster")
        RESEARCH_INCLUDED = "research_included", _("Counted in the de-identified research dataset")
        STAFF_VIEWED = "staff_viewed", _("Staff viewed personal data")
        API_TOKEN_CREATED = "api_token_created", _("API token created")
        API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
        ACCOUNT_CHANGED = "account_changed", _("Account details changed in admin")
        ACCOUNT_CHANGE_REFUSED = "account_change_refused", _("Change to the account refused")

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("subject"),
        # SECURITY: history outlives nothing by accident; accounts are anonymised, never deleted.
        on_delete=models.PROTECT,
        related_name="audit_events",
        help_text=_("The data subject."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events_as_actor",
        help_text=_("Who did it; empty for the system."),
    )
    actor_role = models.CharField(
        verbose_name=_("actor role"), max_length=20, choices=ActorRole, default=ActorRole.SYSTEM
    )
    action = models.CharField(verbose_name=_("action"), max_length=40, choices=Action)
    changes = models.JSONField(verbose_name=_("changes"), default=dict, blank=True)
    request_id = models.CharField(
        verbose_name=_("request id"), max_length=36, blank=True, help_text=_("The HTTP request that caused it, if any.")
    )
    network = models.CharField(
        verbose_name=_("network"), max_length=50, blank=True, help_text=_("The IP address truncated to /24 or /48.")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    pseudonymised_at = models.DateTimeField(
        verbose_name=_("pseudonymised at"),
        null=True,
        blank=True,
        help_text=_("When the data subject's account was erased and this row pseudonymised."),
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        db_table = "privacy_auditevent"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-created_at"], name="privacy_audit_subject_time"),
            models.Index(fields=["created_at"], name="privacy_audit_time"),
        ]
        triggers = [
            # SECURITY: the audit log is evidence. No DELETE or TRUNCATE at all; the only UPDATE allowed
            # is the erasure's pseudonymisation: network emptied, pseudonymised_at set once, nothing
            # else, and only of the account the erasure's transaction names. (Triggers guard against
            # mistakes and the application itself; a database owner can still drop them.)
            pgtrigger.Trigger(
                name="append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
                when=pgtrigger.Before,
                func=(
                    "IF TG_OP = 'UPDATE'"
                    " AND OLD.pseudonymised_at IS NULL AND NEW.pseudonymised_at IS NOT NULL"
                    " AND NEW.network = ''"
                    " AND (NEW.id, NEW.subject_id, NEW.actor_id, NEW.actor_role, NEW.action, NEW.changes,"
                    " NEW.request_id, NEW.created_at)"
                    " IS NOT DISTINCT FROM (OLD.id, OLD.subject_id, OLD.actor_id, OLD.actor_role, OLD.action,"
                    " OLD.changes, OLD.request_id, OLD.created_at)"
                    f" AND NEW.subject_id::text = current_setting('{ERASING_SUBJECT_SETTING}', true)"
                    " THEN RETURN NEW; END IF;"
                    " RAISE EXCEPTION 'pgtrigger: the audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME;"
                ),
            ),
            refuse_truncate("the audit log"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"
