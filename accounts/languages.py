"""The learner's own language: the pages they see, the emails and reports we send them are in it.

Chosen on Settings → Account (``Profile.language``, a code of ``settings.LANGUAGES``); blank means
not chosen. On a page, a learner who has not chosen reads the language their browser asks for
(``Accept-Language``, through Django's ``LocaleMiddleware``), else the platform's
(``settings.LANGUAGE_CODE``). Away from a request (an email, a report, a notice), there is no
browser to ask: the platform's language. Staff are users like any other: their emails are in the
language they chose, else the platform's.
"""

import contextlib

from django.conf import settings
from django.utils import translation

from .timezones import in_time_zone_of


def chosen_language(user):
    """Return the code of the language ``user`` chose on Settings → Account, or ``""`` when none.

    A code no longer offered (dropped from ``settings.LANGUAGES``), no profile, or an anonymous
    user give ``""``: the caller falls back to the browser's or the platform's language.
    """
    code = getattr(getattr(user, "profile", None), "language", "")
    return code if code in dict(settings.LANGUAGES) else ""


def user_language(user):
    """Return the code of the language to write to ``user`` in away from a page, e.g. ``"es"``.

    The language they chose (``chosen_language``), else the platform's (``settings.LANGUAGE_CODE``).
    """
    return chosen_language(user) or settings.LANGUAGE_CODE


@contextlib.contextmanager
def in_language_of(user):
    """Inside the block, text is translated into ``user``'s language (``user_language``); times stay as they are.

    For staff, who work in the platform's time zone but may read another language.
    """
    with translation.override(user_language(user)):
        yield


@contextlib.contextmanager
def in_language_and_time_zone_of(user):
    """Inside the block, text is translated into ``user``'s language and times are in their time zone.

    For whatever is written for one recipient outside their own request (an email, an access
    report, a notice), so that it reads as their pages do, whoever's action caused it.
    """
    with translation.override(user_language(user)), in_time_zone_of(user):
        yield
