"""The learner's own time zone: the times they see, on pages, in emails and reports, are in it.

Chosen on Settings → Account (``Profile.timezone``, an IANA name); blank means the platform's
(``settings.TIME_ZONE``). Deadlines are still counted in the platform's time zone, where the
law's calendar month runs (``rights_requests.deadlines``); only their display follows the learner.
Staff work in the platform's time zone (the admin site, reminders).
"""

import contextlib
import zoneinfo

from django.utils import timezone


def user_timezone(user):
    """Return the ``zoneinfo.ZoneInfo`` ``user`` chose, else the platform's.

    A name the host's time zone database no longer holds (or no profile, or an anonymous
    user) gives the platform's time zone: a time is never shown in a zone we cannot name.
    """
    name = getattr(getattr(user, "profile", None), "timezone", "")
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_default_timezone()


@contextlib.contextmanager
def in_time_zone_of(user):
    """Inside the block, times are written in ``user``'s time zone (``user_timezone``)."""
    with timezone.override(user_timezone(user)):
        yield
