"""The portal's task worker: ``db_worker`` that recovers stranded work and rides out database interruptions.

At start (and after each reconnection) it takes back work whose lease ran out
(``tasks.recover_stranded_work``). When the database connection drops (a restart,
a fail-over, a proxy killed for a moment), it closes its connections and tries
again with back-off (1, 2, 4 … up to 60 seconds) instead of exiting. A worker whose
``PORTAL_ENCRYPTION_KEYS`` cannot read the stored data refuses to start rather than fail
learners' requests. Options are those of ``db_worker``. Run it under a supervisor that
restarts it (see README).
"""

import logging
import time

from cryptography.fernet import InvalidToken
from django.core.management.base import CommandError
from django.db import DatabaseError, connections
from django.db.utils import InterfaceError, OperationalError
from django_tasks_db.management.commands import db_worker

from learnerportal.encryption import stored_data_readable_check
from rights_requests.tasks import recover_stranded_work

logger = logging.getLogger(__name__)

#: Longest wait between two reconnection attempts, in seconds.
MAX_BACKOFF = 60


class Command(db_worker.Command):
    help = "Run the background worker; recover stranded work at start and ride out database interruptions."

    def handle(self, *args, **options):
        delay = 1
        while True:
            started = time.monotonic()
            try:
                _refuse_old_keys()
                recover_stranded_work()
                return super().handle(*args, **options)
            except (OperationalError, InterfaceError) as error:
                if time.monotonic() - started > MAX_BACKOFF:
                    delay = 1  # it had been running well: a new interruption starts the back-off again
                # Only the error's class: its message can name the database host or user.
                logger.warning("Database unavailable (%s); retrying in %s s.", type(error).__name__, delay)
                _close_connections()
                time.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)


def _close_connections():
    """Drop every database connection, broken ones included, so the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None


def _refuse_old_keys():
    """Stop before taking any work when this process's keys cannot read what is stored.

    Raises:
        CommandError: started with an old ``PORTAL_ENCRYPTION_KEYS``; every request it took
            would fail (the web processes answer 503 in the same case).
    """
    try:
        stored_data_readable_check()
    except InvalidToken:
        raise CommandError(
            "This worker cannot read the stored data with its PORTAL_ENCRYPTION_KEYS: start it with the "
            "current keys (the newest first). It took no work."
        ) from None
