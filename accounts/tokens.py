"""Signed, expiring links of the accounts app: a staff member's two-factor enrolment, an account recovery's links."""

import datetime

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
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


class _RecoveryTokenGenerator(PasswordResetTokenGenerator):
    """Make and check the links of one ``AccountRecovery``: signed (HMAC of ``SECRET_KEY``), expiring, single use.

    A token holds the time it was made and an HMAC of the recovery's state, so it dies
    when the state it was made for moves on (the link is then used up), and after
    ``lifetime_seconds()``. Nothing of it is stored. Subclasses say what state and how long.
    """

    def _now(self):
        # As StaffEnrolmentTokenGenerator: UTC, so that a daylight-saving change does not stretch a link.
        return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)

    def lifetime_seconds(self):
        """Return how long a link lives, in seconds."""
        raise NotImplementedError

    def check_token(self, recovery, token):
        """Return True if ``token`` is a live link of ``recovery`` in its present state."""
        if recovery is None or not token or token.count("-") != 1:
            return False
        try:
            made_at = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - made_at > self.lifetime_seconds():
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(recovery, made_at, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


class RecoveryStartTokenGenerator(_RecoveryTokenGenerator):
    """The emailed link that starts a recovery's waiting period (``ACCOUNTS_RECOVERY_LINK_SECONDS``).

    Dies when the waiting period starts (the recovery leaves ``requested``), when a newer
    link is emailed (``requested_at`` moves), and when the account's password changes.
    """

    key_salt = "accounts.tokens.RecoveryStartTokenGenerator"

    def lifetime_seconds(self):
        return conf.RECOVERY_LINK_SECONDS

    def _make_hash_value(self, recovery, timestamp):
        return f"{recovery.pk}{recovery.status}{recovery.requested_at.timestamp()}{recovery.user.password}{timestamp}"


class RecoveryCancelTokenGenerator(_RecoveryTokenGenerator):
    """The emailed one-click link that cancels a recovery while its waiting period runs.

    Lives as long as the waiting period (plus a day, for a link opened as it ends, which
    then says it is over); dies when the recovery is cancelled or completed.
    """

    key_salt = "accounts.tokens.RecoveryCancelTokenGenerator"

    def lifetime_seconds(self):
        return conf.RECOVERY_WAIT_SECONDS + 24 * 60 * 60

    def _make_hash_value(self, recovery, timestamp):
        return f"{recovery.pk}{recovery.status}{recovery.started_at.timestamp()}{timestamp}"


recovery_start_token_generator = RecoveryStartTokenGenerator()
recovery_cancel_token_generator = RecoveryCancelTokenGenerator()
