"""Spanish date and time formats: Django's Spanish ones, with date-times 24-hour and their time zone named.

As in English (``learnerportal.formats.en``), a date-time never leaves its zone unsaid: staff and
learners compare them with legal deadlines across zones. Found through ``FORMAT_MODULE_PATH``;
anything not set here (numbers, input formats, ``DATE_FORMAT`` "7 de diciembre de 2026") is Django's.
"""

# As the English one ("7 Dec 2026, 19:10 CET"), with Spanish's lower-case month abbreviation ("7 dic 2026").
DATETIME_FORMAT = "j b Y, H:i T"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
