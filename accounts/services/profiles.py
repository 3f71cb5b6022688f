"""The learner's profile: proposed changes checked by the model's own rules, then applied and audited.

The rules are the validators on ``Profile``'s fields (``accounts.validators``), run by
``full_clean()``: the Account tab, the API and rectification requests all come here,
so a value is refused in the same words and with the same code wherever it is sent.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext_lazy as _

from compliance.models import AuditEvent
from compliance.regimes import STATE_COUNTRY
from compliance.services import audit_record

from ..exceptions import AccountChangeRefused, InvalidPhoto
from ..models import Profile
from ..photos import photo_check, photo_normalize

#: Profile fields a learner edits on the Account tab (the photo is handled apart).
PROFILE_EDITABLE_FIELDS = (
    "full_name",
    "bio",
    "phone",
    "date_of_birth",
    "country",
    "us_state",
    "education_level",
    "occupation",
    "timezone",
    "language",
)


def _profile_changes_set(profile, changes, *, photo=None):
    """Set ``changes`` on ``profile`` (not saved) and check them, and ``photo``'s header, with the model's rules.

    Only the fields in ``changes`` are checked: a stored value that a newer rule
    refuses does not block a change to another field.

    Args:
        profile: the ``Profile`` to change in memory.
        changes: ``{field: new value}`` for some ``PROFILE_EDITABLE_FIELDS``, as Python
            values or as text (``"1990-04-12"`` for a date); ``""`` or None clears a field.
        photo: an uploaded file to judge from its size and header (nothing is decoded), or None.

    Returns:
        ``(cleaned, changed)``: ``{field: cleaned value}`` for every key of ``changes``,
        and the names of the fields whose value differs from the stored one.

    Raises:
        ValueError: a key outside ``PROFILE_EDITABLE_FIELDS``.
        django.core.exceptions.ValidationError: ``error_dict`` names each refused field
            (``photo`` for the photo), every message with its code.
    """
    unknown = set(changes) - set(PROFILE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on the profile: {', '.join(sorted(unknown))}")
    moved_away = "country" in changes and str(changes["country"] or "") != STATE_COUNTRY
    if moved_away and profile.us_state and "us_state" not in changes:
        # A state is kept only for a learner in the United States (``Profile.clean``): moving away clears it.
        changes = {**changes, "us_state": ""}
    before = {name: getattr(profile, name) for name in changes}
    for name, value in changes.items():
        field = Profile._meta.get_field(name)
        if value in field.empty_values:
            value = None if field.null else ""
        setattr(profile, name, value)
    errors = {}
    try:
        profile.full_clean(exclude=[field.name for field in Profile._meta.concrete_fields if field.name not in changes])
    except ValidationError as error:
        errors = error.error_dict
    if photo is not None:
        try:
            photo_check(photo)
        except InvalidPhoto as error:
            errors["photo"] = [ValidationError(error.detail, code=error.code)]
    if errors:
        raise ValidationError(errors)
    # Plain values (a country's code, not its object), as the model stores them.
    cleaned = {name: Profile._meta.get_field(name).to_python(getattr(profile, name)) for name in changes}
    return cleaned, [name for name, value in cleaned.items() if value != before[name]]


def profile_changes_validate(*, user, changes: Mapping, photo=None):
    """Check proposed profile changes with the rules every profile change follows, saving nothing.

    For a rectification request (GDPR Art. 16) when it is made and again when it is
    carried out, so that a correction asked for is one the learner could have made
    themself; and for the Account tab, to show every refusal at once.

    Args:
        user: whose profile the changes are for.
        changes: ``{field: new value}`` for some ``PROFILE_EDITABLE_FIELDS``, as text
            (``"1990-04-12"``, ``"PT"``) or Python values; ``""`` clears a field.
        photo: an uploaded photo to judge from its size and header, or None.

    Returns:
        ``{field: cleaned value}`` for every key of ``changes`` (e.g. a ``date`` for
        ``date_of_birth``), ready for ``profile_update(data=...)``.

    Raises:
        ValueError: a key outside ``PROFILE_EDITABLE_FIELDS``.
        django.core.exceptions.ValidationError: ``message_dict`` names each refused field.
    """
    cleaned, _ = _profile_changes_set(Profile.objects.get(user=user), changes, photo=photo)
    return cleaned


@transaction.atomic
def profile_update(*, actor, user, data: Mapping, photo=None, remove_photo=False):
    """Apply changes to a learner's profile and audit them (self-service rectification, GDPR Art. 16).

    The stored values are merged with ``data`` and the changed fields checked with the
    model's rules (``full_clean``) under a row lock; nothing is saved unless every
    value, and the photo's header, is accepted.

    Args:
        actor: who makes the change (the learner; None when a rectification request is carried out).
        user: whose profile to change.
        data: ``{field: new value}`` for some of ``PROFILE_EDITABLE_FIELDS`` (see
            ``profile_changes_validate``); fields not in it keep their values.
        photo: an uploaded image replacing the current photo, or None.
        remove_photo: True to remove the current photo (ignored when ``photo`` is given).

    Returns:
        the saved ``Profile``. A replaced or removed photo file is deleted from
        storage after the transaction commits.

    Raises:
        ValueError: for a key outside ``PROFILE_EDITABLE_FIELDS``.
        django.core.exceptions.ValidationError: ``message_dict`` names each refused field
            (``photo`` for a photo refused from its size or header); nothing is saved.
        accounts.exceptions.InvalidPhoto: the photo's header was accepted but its image
            data is not; nothing is saved.
    """
    profile = Profile.objects.select_for_update().get(user=user)
    _, changed = _profile_changes_set(profile, data, photo=photo)
    storage = profile.photo.storage
    old_photo = profile.photo.name if profile.photo else ""
    photo_action = None
    if photo is not None:
        normalized = photo_normalize(photo)
        profile.photo.save(normalized.name, normalized, save=False)
        photo_action = AuditEvent.Action.PHOTO_CHANGED
    elif remove_photo and old_photo:
        profile.photo = ""
        photo_action = AuditEvent.Action.PHOTO_REMOVED
    try:
        profile.save()
        if changed:
            audit_record(
                actor=actor, subject=user, action=AuditEvent.Action.PROFILE_UPDATED, changes={"fields": changed}
            )
        if photo_action:
            audit_record(actor=actor, subject=user, action=photo_action)
    except DatabaseError:
        # SECURITY: a photo whose record was never saved must not linger in storage.
        if photo is not None:
            storage.delete(profile.photo.name)
        raise
    if photo_action and old_photo:
        transaction.on_commit(lambda: storage.delete(old_photo))
    return profile


_REASON_REQUIRED = _("Say why this regime applies to the learner.")

#: The permission staff need to record a learner's data-protection regime.
RECORD_REGIME = "accounts.record_regime"


@transaction.atomic
def profile_regime_override(*, actor, user, regime_key, reason):
    """Record the data-protection regime that applies to ``user`` whatever their country says, or clear it.

    For what the country cannot tell: a learner who lives in the EU but set another
    country, one covered by a contract, a court's or an authority's decision. The
    learner's next requests are handled under it (``accounts.selectors.learner_regime``);
    those already filed keep theirs. The audit row names the old and new regime, never
    the reason (which may name the learner).

    Args:
        actor: staff with ``accounts.record_regime``.
        user: the learner.
        regime_key: a ``compliance.regimes.RegimeKey`` value, or "" to let the country decide again.
        reason: why, required with a regime (kept on the profile for staff), ignored when clearing.

    Returns:
        the saved ``Profile``.

    Raises:
        AccountChangeRefused: ``actor`` lacks the permission.
        django.core.exceptions.ValidationError: an unknown regime, or a regime without a reason.
    """
    if actor is None or not actor.is_active or not actor.is_staff or not actor.has_perm(RECORD_REGIME):
        raise AccountChangeRefused("You are not allowed to record a learner's data-protection regime.")
    profile = Profile.objects.select_for_update().get(user=user)
    before = profile.regime_override
    profile.regime_override = regime_key or ""
    profile.regime_override_reason = (reason or "").strip() if regime_key else ""
    if regime_key and not profile.regime_override_reason:
        raise ValidationError({"regime_override_reason": ValidationError(_REASON_REQUIRED, code="required")})
    profile.full_clean(
        exclude=[
            f.name for f in Profile._meta.concrete_fields if f.name not in ("regime_override", "regime_override_reason")
        ]
    )
    profile.save(update_fields=["regime_override", "regime_override_reason", "updated_at"])
    audit_record(
        actor=actor,
        subject=user,
        action=AuditEvent.Action.ACCOUNT_CHANGED,
        changes={"fields": ["regime"], "regime": [before, profile.regime_override]},
    )
    return profile
