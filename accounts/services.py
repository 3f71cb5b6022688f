"""Writes of the accounts app: sign-up, profile changes, password events."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from privacy.models import AuditEvent
from privacy.services import audit_record

from .models import Profile, User
from .photos import photo_normalize

#: Profile fields a learner edits on the Account tab (the photo is handled apart).
PROFILE_EDITABLE_FIELDS = (
    "full_name",
    "bio",
    "phone",
    "date_of_birth",
    "country",
    "education_level",
    "occupation",
    "timezone",
)


def profile_changes_validate(*, user, changes: Mapping[str, str]):
    """Check proposed profile changes with the Account tab's own rules, saving nothing.

    Used for rectification requests (GDPR Art. 16), so that a correction asked
    for is one the learner could have made themself.

    Args:
        user: whose profile the changes are for.
        changes: ``{field: new value as text}`` for some ``PROFILE_EDITABLE_FIELDS``;
            "" clears a field.

    Returns:
        ``{field: cleaned value}`` (e.g. a ``date`` for ``date_of_birth``).

    Raises:
        django.core.exceptions.ValidationError: with ``message_dict`` naming each
            refused field.
    """
    from .forms import ProfileForm  # the form imports this module

    profile = Profile.objects.get(user=user)
    current = ProfileForm(instance=profile)
    data = {name: current[name].value() or "" for name in PROFILE_EDITABLE_FIELDS} | dict(changes)
    form = ProfileForm(data=data, instance=profile)
    form.is_valid()
    errors = {name: form.errors[name] for name in changes if name in form.errors}
    if errors:
        raise ValidationError(errors)
    return {name: form.cleaned_data[name] for name in changes}


@transaction.atomic
def user_create(*, username, email, password, full_name=""):
    """Create a learner account with an empty, entirely private profile.

    Args:
        username: public handle, validated by ``accounts.models.username_validator``.
        email: unique (case-insensitive) email address.
        password: the raw password, already checked by the password validators.
        full_name: optional full name for the profile.

    Returns:
        the new ``User``; its profile exists and every field is private
        (GDPR Art. 25(2)).

    Raises:
        django.core.exceptions.ValidationError: for a taken or invalid username/email.
    """
    user = User(username=username, email=email)
    user.set_password(password)
    user.full_clean()
    user = User.objects.create_user(username=username, email=email, password=password)
    if full_name:
        user.profile.full_name = full_name
        user.profile.full_clean()
        user.profile.save(update_fields=["full_name", "updated_at"])
    audit_record(actor=user, subject=user, action=AuditEvent.Action.SIGNED_UP)
    return user


@transaction.atomic
def profile_update(*, actor, user, data: Mapping, photo=None, remove_photo=False):
    """Apply a learner's changes to their profile (self-service rectification, GDPR Art. 16).

    Args:
        actor: who makes the change (the learner, or staff on their behalf).
        user: whose profile to change.
        data: new values for some of ``PROFILE_EDITABLE_FIELDS``; other keys are refused.
        photo: an uploaded image replacing the current photo, or None.
        remove_photo: True to remove the current photo (ignored when ``photo`` is given).

    Returns:
        the saved ``Profile``. A replaced or removed photo file is deleted from
        storage after the transaction commits.

    Raises:
        ValueError: for a key outside ``PROFILE_EDITABLE_FIELDS``.
        django.core.exceptions.ValidationError: for invalid values; nothing is saved.
        accounts.exceptions.InvalidPhoto: for an unacceptable photo; nothing is saved.
    """
    unknown = set(data) - set(PROFILE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on the profile: {', '.join(sorted(unknown))}")
    profile = Profile.objects.select_for_update().get(user=user)
    changed = [name for name, value in data.items() if getattr(profile, name) != value]
    for name in changed:
        setattr(profile, name, data[name])
    profile.full_clean(exclude=["photo"])
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
