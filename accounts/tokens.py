"""Signed, expiring links of the accounts app: a staff member's two-factor enrolment."""

import datetime

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.http import base36_to_int

from . import conf
from .selectors import two_factor_enabled


class StaffEnrolmentTokenGenerator(PasswordResetTokenGenerator):
    """Make and check the link that lets one staff member turn on two-factor authentication.

    A staff password alone must not be enough to enrol a new authenticator (whoever
    has the password could enrol their own and reach the admin site), so a staff
    account without 2FA turns it on only through a link a superuser sends to the
    member's email address, or an operator prints with ``manage.py
    staff_two_factor_link``. A link dies after ``ACCOUNTS_STAFF_ENROLMENT_SECONDS``
    (and never lives longer than ``PASSWORD_RESET_TIMEOUT``), once 2FA is on, and
    when the password changes.
    """

    key_salt = "privacy.tokens.StaffEnrolmentTokenGenerator"

    def _now(self):
        # Django counts on the naive local clock, which jumps an hour at a daylight-saving change: a
        # 24-hour link would last 23 or 25 hours. UTC has no jumps.
        return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_staff}{two_factor_enabled(user)}{timestamp}"

    def check_token(self, user, token):
        """Return True if ``token`` is a live enrolment token of ``user``."""
        if not super().check_token(user, token):
            return False
        made_at = base36_to_int(token.split("-")[0])
        return self._num_seconds(self._now()) - made_at <= conf.STAFF_ENROLMENT_SECONDS


staff_enrolment_token_generator = StaffEnrolmentTokenGenerator()
