"""System checks of the accounts app's settings."""

from django.core import checks

from . import conf

#: The shortest waiting period of an account recovery the portal starts with, in seconds: a day, so that an owner
#: who reads their email once a day hears of a recovery they did not ask for before it completes.
RECOVERY_WAIT_MINIMUM_SECONDS = 24 * 60 * 60


def check_recovery_wait(app_configs=None, **kwargs):
    """Refuse an ``ACCOUNTS_RECOVERY_WAIT_SECONDS`` shorter than ``RECOVERY_WAIT_MINIMUM_SECONDS``.

    The waiting period is the whole protection of an account whose password is known to someone
    else: a recovery removes every second factor when it ends (GDPR Art. 32(1)(b)).
    """
    if conf.RECOVERY_WAIT_SECONDS >= RECOVERY_WAIT_MINIMUM_SECONDS:
        return []
    return [
        checks.Error(
            f"ACCOUNTS_RECOVERY_WAIT_SECONDS is {conf.RECOVERY_WAIT_SECONDS}: shorter than a day.",
            hint="The owner of an account must have time to read the email and cancel a recovery they did not "
            "start; the default is 72 hours.",
            id="accounts.E001",
        )
    ]
