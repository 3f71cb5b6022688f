"""The digital age of consent (GDPR Art. 8(1)): when a learner reaches it, and choices made before."""

import datetime

from django.utils import timezone

from .. import conf


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
    # The platform's day, whoever is looking (GDPR Art. 8(1) ages count in its calendar).
    return birthday is not None and timezone.localdate(timezone=timezone.get_default_timezone()) < birthday


def chosen_before_consent_age(user, when):
    """Return whether a choice made at ``when`` (datetime or None) was made before ``user`` reached the age.

    Such a choice was a child's (GDPR Art. 8(1)): a consent given, or a profile made
    public, before the learner's date of birth was known still does not count after
    the birthday, until they choose again. False when either date is unknown.
    """
    birthday = digital_consent_birthday(user)
    return (
        birthday is not None
        and when is not None
        and timezone.localdate(when, timezone.get_default_timezone()) < birthday
    )
