"""How a learner's account activity tells the accounts app's events: field names in the reader's language.

The audit rows keep the fields' names (``{"fields": ["email", "username"]}``); the sentence is
put together when it is read, from the models' own verbose names, so that it follows the reader's
language and a row written long ago reads like a new one.
"""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext

from compliance.models import ActorRole

from .models import Profile, User


def field_names_in_words(model, names):
    """Return the verbose names of ``model``'s fields ``names``, in the active language, joined with commas.

    E.g. ``(User, ["email", "is_active"])`` → "email address, active" ("dirección de correo
    electrónico, activo" in Spanish). A name the model no longer has is shown as written, its
    underscores as spaces.
    """
    words = []
    for name in names:
        try:
            words.append(str(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            words.append(name.replace("_", " "))
    return ", ".join(words)


def account_change_description(event):
    """Return the sentence a learner reads for an ``ACCOUNT_CHANGED`` event, naming no staff member.

    E.g. "Our privacy officer changed your account details in admin: email address, active."
    (access transparency, GDPR Art. 15(1)(c)).
    """
    return gettext("%(who)s changed your account details in admin: %(fields)s.") % {
        "who": ActorRole(event.actor_role).label,
        "fields": field_names_in_words(User, (event.changes or {}).get("fields", [])),
    }


def profile_update_description(event):
    """Return the sentence a learner reads for a ``PROFILE_UPDATED`` event, e.g. "Profile updated: bio, country."."""
    fields = field_names_in_words(Profile, (event.changes or {}).get("fields", []))
    return gettext("Profile updated: %(fields)s.") % {"fields": fields}
