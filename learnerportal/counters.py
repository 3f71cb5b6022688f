"""Counters in the shared cache that every process and host increments exactly.

Rate limits count in the cache (``settings.CACHES["default"]``): Redis when ``REDIS_URL`` is
set, else PostgreSQL's ``portal_cache`` table. Redis's ``INCR`` is atomic; Django's database
cache reads and writes a value in two statements, so there the read and the write are made
under a transaction-scoped advisory lock on the key: two processes counting the same key
at the same instant wait for each other instead of both writing n + 1. (There a counter is
stored with its expiry, which a write would otherwise reset.)

``sliding_log_admit`` keeps the times of a client's latest requests instead of a count, for
limits that must hold over every span of their window, not per fixed window.
"""

import contextlib
import hashlib
import math
import secrets
import time

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from redis.exceptions import NoScriptError


def _sha(script):
    return hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()


def _run_script(client, script, keys, *args):
    """Run the Lua ``script`` in Redis by its SHA-1 (``EVALSHA``), sending its text only when Redis does not know it.

    Redis keeps the scripts it has run until it restarts or ``SCRIPT FLUSH``; sending the text
    each time (``EVAL``) makes it hash the script again on every request.
    """
    try:
        return client.evalsha(_sha(script), len(keys), *keys, *args)
    except NoScriptError:
        return client.eval(script, len(keys), *keys, *args)


def _database_cache_alias(backend):
    """Return the database alias of ``backend`` when it is Django's database cache, else None."""
    return router.db_for_write(backend.cache_model_class) if isinstance(backend, DatabaseCache) else None


#: Adds one to a counter in Redis and gives a new one its time to live, as one step: KEYS[1] the
#: counter, ARGV[1] seconds. (Django's ``incr`` checks the key, then increments: a key expiring in
#: between would come back without a time to live, and never expire.)
_INCREMENT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


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
        full_key = backend.make_and_validate_key(key)
        return int(_run_script(backend._cache.get_client(full_key, write=True), _INCREMENT_SCRIPT, [full_key], timeout))
    with _locked(alias, backend, key):
        now = time.time()
        count, expires = _entry(backend.get(key), now + timeout)
        backend.set(key, (count + 1, expires), timeout=max(1, expires - now))
        return count + 1


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


@contextlib.contextmanager
def _locked(alias, backend, key):
    """Inside the block, no other process counts ``key`` (a transaction-scoped advisory lock)."""
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [backend.make_key(key)])
        yield


#: Admits one request into a sliding log in Redis, atomically: KEYS[1] the log (a sorted set of
#: times); ARGV: now, window (s), limit, a unique member. Returns {1, 0} when admitted, else
#: {0, seconds until the oldest time leaves the window}.
_ADMIT_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000))
  return {1, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))}
"""


def sliding_log_admit(key, *, limit, window, now=None):
    """Admit one request under "at most ``limit`` in any ``window`` seconds", exactly, across hosts.

    The log holds the times of the requests admitted in the last ``window`` seconds; a refused
    request is not logged. Redis runs the check and the write as one script; the database cache
    under an advisory lock on the key.

    Args:
        key: the client's log (without the cache's own prefix).
        limit: requests admitted per window (int > 0).
        window: the window's length in seconds.
        now: the time of the request (default ``time.time()``), seconds since the epoch.

    Returns:
        ``(admitted, wait)``: whether the request is admitted; if not, the seconds until one
        more fits (float > 0, at most ``window``).
    """
    admitted, wait, _ = sliding_log_admit_reading(key, limit=limit, window=window, read=(), now=now)
    return admitted, wait


def sliding_log_admit_reading(key, *, limit, window, read, now=None):
    """Admit one request as ``sliding_log_admit`` does, and read the cache keys ``read`` in the same round trip.

    For a request that will read those keys whatever the answer (e.g. a whole answer kept in
    the cache): Redis gets the script and the read in one pipeline; the database cache reads
    after admitting.

    Returns:
        ``(admitted, wait, found)``: as ``sliding_log_admit``, and ``{key: value}`` for every
        key of ``read``, None where the cache holds nothing.
    """
    now = time.time() if now is None else now
    backend = caches["default"]
    alias = _database_cache_alias(backend)
    if alias is None:
        full_key = backend.make_and_validate_key(key)
        full_read = [backend.make_and_validate_key(k) for k in read]
        client = backend._cache.get_client(full_key, write=True)
        args = (repr(now), repr(window), limit, _member(now))
        pipeline = client.pipeline(transaction=False)
        pipeline.evalsha(_sha(_ADMIT_SCRIPT), 1, full_key, *args)
        if full_read:
            pipeline.mget(full_read)
        answers = pipeline.execute(raise_on_error=False)
        if isinstance(answers[0], NoScriptError):  # Redis restarted, or its scripts were flushed
            answers[0] = client.eval(_ADMIT_SCRIPT, 1, full_key, *args)
        for answer in answers:
            if isinstance(answer, Exception):
                raise answer
        admitted, wait = answers[0]
        values = answers[1] if full_read else []
        loads = backend._cache._serializer.loads
        found = {k: None if value is None else loads(value) for k, value in zip(read, values, strict=True)}
        return bool(admitted), float(wait), found
    with _locked(alias, backend, key):
        times = [moment for moment in backend.get(key) or [] if moment > now - window]
        admitted = len(times) < limit
        if admitted:
            times.append(now)
        backend.set(key, times, timeout=math.ceil(window))
    found = backend.get_many(read)
    wait = 0.0 if admitted else times[len(times) - limit] + window - now
    return admitted, wait, {k: found.get(k) for k in read}


def _member(now):
    """Return a member of a sliding log no other request shares, though two come at the same instant."""
    return f"{now!r}:{secrets.token_hex(4)}"
