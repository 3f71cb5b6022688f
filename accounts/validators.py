"""Rules a learner's account and profile values follow: the validators of ``accounts.models``' fields.

Each raises ``django.core.exceptions.ValidationError`` with a ``code``. They run in
the models' ``full_clean()``, which the services call before every save, so the
Account tab, the API and rectification requests refuse the same values with the
same words. Rules that compare an account with the others (a username that reads
like a staff member's) are the ``User`` model's, since they query it.
"""

import datetime
import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from django.db import models
from django.db.models import Func, Value
from django.db.models.functions import Lower, Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Usernames: who may take which name.

#: Usernames must match this: 3–30 characters, letters and digits, with single dots,
#: hyphens or underscores between them (so no "..", no leading "." and no NUL).
USERNAME_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9]|[_.-](?=[A-Za-z0-9])){2,29}"

username_validator = RegexValidator(
    rf"^{USERNAME_PATTERN}\Z",
    _("Use 3 to 30 letters (A–Z) and digits, with single dots, hyphens or underscores between them."),
    code="invalid_username",
)

#: Usernames nobody may take: they would let someone pass for the platform or its staff. Names that
#: read like one of them are refused too (``username_skeleton``): "adm1n", "no_reply", "supp0rt".
RESERVED_USERNAMES = frozenset(
    {
        "abuse", "admin", "administrator", "api", "dpo", "help", "info", "learnerportal", "learner-portal",
        "moderator", "no-reply", "noreply", "official", "postmaster", "privacy", "root", "security",
        "settings", "staff", "support", "system", "webmaster",
    }
)  # fmt: skip

#: Erasure renames an account "erased-<random>" (``accounts.personal_data``). No one else may take a
#: name that reads as starting with "erased": the receipt's scan finds that word, and the name would
#: pass for an erased account's.
ERASED_USERNAME_PREFIX = "erased-"

#: ``username_skeleton`` folds each character of the first string to the one of the second at its
#: place (digits that pass for letters, "i" for "l"), and drops the separators.
_LOOKALIKE_FROM, _LOOKALIKE_TO, _SEPARATORS = "0123456789i", "olzeasbtbgl", "._-"
_LOOKALIKES = str.maketrans(_LOOKALIKE_FROM, _LOOKALIKE_TO, _SEPARATORS)
#: Letter pairs that pass for one letter, folded after the characters.
_LOOKALIKE_PAIRS = (("rn", "m"), ("vv", "w"))


def username_skeleton(username):
    """Return what ``username`` reads as, for telling look-alike usernames apart.

    Lower case, without the separators ``. - _``, with each character that passes
    for a letter folded to it (0→o, 1→l, i→l, 2→z, 3→e, 4→a, 5→s, 6→b, 7→t, 8→b,
    9→g) and then "rn"→"m", "vv"→"w". Usernames are ASCII only (``username_validator``),
    so this is the ASCII part of a confusable skeleton (Unicode TS #39 §4), widened to
    digits. ``username_skeleton_sql()`` computes the same in PostgreSQL.

    Example: "Priya.DP0", "priya-dpo" and "prlya_dpo" all read as "prlyadpo".
    """
    skeleton = username.lower().translate(_LOOKALIKES)
    for pair, letter in _LOOKALIKE_PAIRS:
        skeleton = skeleton.replace(pair, letter)
    return skeleton


def username_skeleton_sql(field="username"):
    """Return the SQL expression of ``username_skeleton`` over ``field`` (indexed on ``User``)."""
    # PostgreSQL's translate() drops the characters of its second argument that the third lacks.
    skeleton = Func(
        Lower(field),
        Value(_LOOKALIKE_FROM + _SEPARATORS),
        Value(_LOOKALIKE_TO),
        function="translate",
        output_field=models.CharField(),
    )
    for pair, letter in _LOOKALIKE_PAIRS:
        skeleton = Replace(skeleton, Value(pair), Value(letter))
    return skeleton


_RESERVED_SKELETONS = frozenset(username_skeleton(name) for name in RESERVED_USERNAMES)
_ERASED_SKELETON = username_skeleton(ERASED_USERNAME_PREFIX)


def validate_username_not_reserved(value):
    """Raise ``ValidationError`` when ``value`` reads as a reserved username or as an erased account's.

    "Reads as" is an equal ``username_skeleton``: "Supp0rt" is refused like "support";
    any name whose skeleton starts with "erased" ("erased-1", "Erased_x", "3rased.k")
    is refused, since erasure names accounts "erased-<random>".
    """
    skeleton = username_skeleton(value)
    if skeleton in _RESERVED_SKELETONS or skeleton.startswith(_ERASED_SKELETON):
        raise ValidationError(_("That username is reserved. Choose another."), code="reserved_username")


# Profile fields.

#: The words of a refused choice, as Django's forms say it, so a select on the page and the API read alike.
INVALID_CHOICE_MESSAGE = _("Select a valid choice. %(value)s is not one of the available choices.")

#: Refuses text with a NUL character, which PostgreSQL cannot store (code ``null_characters_not_allowed``).
prohibit_null_characters = ProhibitNullCharactersValidator()

#: Unicode's explicit direction controls (embeddings, overrides, isolates; Unicode TR 9), which make
#: text read differently from what it holds: "\u202eevil" shows as "live" (CVE-2021-42574, Trojan Source).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def prohibit_direction_controls(value):
    """Refuse text holding Unicode direction controls, which could disguise it to staff and other learners.

    Raises:
        ValidationError: code ``direction_controls_not_allowed``.
    """
    if BIDI_CONTROLS.intersection(str(value)):
        raise ValidationError(
            _("Remove the invisible characters that change the direction of text."),
            code="direction_controls_not_allowed",
        )


def validate_email_deliverable(value):
    """Refuse an email address mail cannot be sent to: direction controls, or a domain IDNA cannot encode.

    Django's ``EmailValidator`` lets such a domain through, and sending to it then fails
    (RFC 5891 §4: a domain label must be IDNA-encodable; "exa\u202emple.net" is not).

    Raises:
        ValidationError: code ``direction_controls_not_allowed`` or ``email_undeliverable``.
    """
    prohibit_direction_controls(value)
    domain = str(value).rpartition("@")[2]
    try:
        domain.encode("idna")
    except UnicodeError:
        raise ValidationError(
            _("Enter an email address we can send mail to: its part after the @ has characters no domain can have."),
            code="email_undeliverable",
        ) from None


@functools.cache
def selectable_timezones():
    """Return the time zones a learner may choose, sorted: IANA "Area/Location" names, and "UTC".

    The host's time zone database also holds names that are not places ("localtime",
    "Factory", "posixrules", "Etc/GMT+5" with its inverted sign …): they are left out.
    """
    return tuple(
        sorted(
            name
            for name in zoneinfo.available_timezones()
            if name == "UTC" or ("/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/")))
        )
    )


def validate_timezone(value):
    """Raise ``ValidationError`` (code ``invalid_timezone``) unless ``value`` is in ``selectable_timezones()``."""
    if value not in selectable_timezones():
        raise ValidationError(INVALID_CHOICE_MESSAGE, code="invalid_timezone", params={"value": value})


#: A phone number: digits and the usual separators, optionally starting with + (code ``invalid_phone``).
phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{5,22}\Z",
    _("Enter a phone number of digits, optionally starting with + and the country code."),
    code="invalid_phone",
)


#: The oldest date of birth accepted is 1 January of the year this many years ago.
DATE_OF_BIRTH_MAX_YEARS = 130


def validate_date_of_birth(value):
    """Raise ``ValidationError`` unless ``value`` (a ``date``) is a date of birth a living person may have.

    Today is the platform's (``timezone.localdate()``).

    Raises:
        ValidationError: code ``dob_in_future`` after today; ``dob_too_old`` before
            1 January ``DATE_OF_BIRTH_MAX_YEARS`` years ago.
    """
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    if value > today:
        raise ValidationError(_("The date of birth cannot be in the future."), code="dob_in_future")
    if value < datetime.date(today.year - DATE_OF_BIRTH_MAX_YEARS, 1, 1):
        raise ValidationError(_("Enter a real date of birth."), code="dob_too_old")


# Passwords.


class PasswordWithoutAccountNameValidator:
    """Refuse a password that contains the account's username or its email address's local part.

    Django's ``UserAttributeSimilarityValidator`` compares the whole password with
    them, so "amara12345" for the username "amara" passes it; a guesser tries exactly
    that first. Parts shorter than ``min_length`` are not looked for. For
    ``AUTH_PASSWORD_VALIDATORS``.
    """

    message = _("Your password must not contain your username or the part of your email address before the @.")

    def __init__(self, min_length=3):
        self.min_length = min_length

    def validate(self, password, user=None):
        """Raise ``ValidationError`` (code ``password_contains_account_name``) when the password holds either part."""
        if user is None:
            return
        parts = {str(getattr(user, "username", "") or ""), str(getattr(user, "email", "") or "").partition("@")[0]}
        folded = password.casefold()
        if any(len(part) >= self.min_length and part.casefold() in folded for part in parts):
            raise ValidationError(self.message, code="password_contains_account_name")

    def get_help_text(self):
        return self.message
