"""English date and time formats: 24-hour, the time zone named, as staff and learners read them.

Django's English formats ("7 Dec 2026, 7:10 p.m.") leave the zone unsaid, which staff working to a
legal deadline across zones must not guess; the admin's lists and pages use ``DATETIME_FORMAT``.
Found through ``FORMAT_MODULE_PATH``; anything not set here is Django's.
"""

from learnerportal.staff_time import STAFF_DATETIME_FORMAT

DATETIME_FORMAT = STAFF_DATETIME_FORMAT
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
