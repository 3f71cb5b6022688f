"""Counters in the shared cache that every process and host increments exactly.

Rate limits count in the cache (``settings.CACHES["default"]``): Redis when ``REDIS_URL`` is
set, else PostgreSQL's ``portal_cache`` table. Redis's ``INCR`` is atomic; Django's database
cache reads and writes a value in two statements, so there the read and the write are made
under a transaction-scoped advisory lock on the key: two processes counting the same key
at the same instant wait for each other instead of both writing n + 1. (There a counter is
stored with its expiry, which a write would otherwise reset: read it with ``cache_count``.)
"""

import contextlib
import time

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


def _database_cache_alias(backend):
    """Return the database alias of ``backend`` when it is Django's database cache, else None."""
    return router.db_for_write(backend.cache_model_class) if isinstance(backend, DatabaseCache) else None


def cache_increment(key, *, timeout):
    """Add one to the counter ``key`` in the default cache and return its new value.

    A missing counter starts at 0 and lives ``timeout`` seconds from then; increments do not
    extend it.

    Args:
        key: the cache key (without the cache's own prefix).
        timeout: seconds the counter lives from its first increment (int > 0).

    Returns:
        int: the count, this call included.
    """
    backend = caches["default"]
    alias = _database_cache_alias(backend)
    if alias is None:
        backend.add(key, 0, timeout=timeout)
        try:
            return backend.incr(key)  # Redis's INCR keeps the time to live
        except ValueError:  # it expired between add and incr
            backend.set(key, 1, timeout=timeout)
            return 1
    with _locked(alias, backend, key):
        now = time.time()
        count, expires = _entry(backend.get(key), now + timeout)
        backend.set(key, (count + 1, expires), timeout=max(1, expires - now))
        return count + 1


def cache_decrement(key):
    """Take one from the counter ``key`` (a refused request is not counted); nothing when it is gone or at 0."""
    backend = caches["default"]
    alias = _database_cache_alias(backend)
    if alias is None:
        with contextlib.suppress(ValueError):
            backend.decr(key)
        return
    with _locked(alias, backend, key):
        now = time.time()
        count, expires = _entry(backend.get(key), now)
        if count > 0 and expires > now:
            backend.set(key, (count - 1, expires), timeout=max(1, expires - now))


def _entry(value, expires):
    """Return a database-cache counter's ``(count, expires)``; a bare count (``cache.incr``) expires at ``expires``.

    Args:
        value: what the cache holds under the key: ``(count, expires)``, an int, or None when gone.
        expires: the expiry (Unix seconds) given to a bare count or a missing counter.
    """
    if value is None:
        return 0, expires
    if isinstance(value, int):  # counted by ``cache.add``/``cache.incr`` (the sign-up limit did before)
        return value, expires
    return value[0], value[1]


def cache_count(key):
    """Return the counter ``key``'s value, 0 when it is gone."""
    value = caches["default"].get(key)
    if isinstance(value, tuple | list):  # the database cache keeps the counter's expiry beside it
        return value[0]
    return value or 0


@contextlib.contextmanager
def _locked(alias, backend, key):
    """Inside the block, no other process counts ``key`` (a transaction-scoped advisory lock)."""
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [backend.make_key(key)])
        yield
