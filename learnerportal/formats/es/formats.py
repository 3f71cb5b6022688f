"""Spanish date and time formats: Django's Spanish ones, with date-times 24-hour and their time zone named.

As in English (``learnerportal.formats.en``), a date-time never leaves its zone unsaid: staff and
learners compare them with legal deadlines across zones. Found through ``FORMAT_MODULE_PATH``;
anything not set here (numbers, input formats, ``DATE_FORMAT`` "7 de diciembre de 2026") is Django's.
"""

from learnerportal.staff_time import STAFF_DATETIME_FORMAT

DATETIME_FORMAT = STAFF_DATETIME_FORMAT
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
