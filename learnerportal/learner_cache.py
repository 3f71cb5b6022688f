"""What the shared cache holds about one learner (their public profile), kept under a version per learner.

Each entry about a learner is stored with the learner's version at the time its
data was read; a change that can alter it increments the version once the change
commits (``learner_cache_drop``), so every process and host stops using the old
entries at once and nothing has to find and delete them. A reader reads the entry
and the version in one round trip (``learner_cache_read``, or ahead of it in another
round trip the request makes anyway) and uses the entry only when they match; it
reads the version before the database, so an entry written from data read before a
change carries the old version and is never used.

A version that is missing (never set, expired or evicted) starts again from the
clock in nanoseconds, so it is greater than any version an older entry carries.
"""

import time
from functools import partial

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

#: Seconds a learner's version lives in the cache untouched; longer than any entry keyed by it.
VERSION_TIMEOUT = 7 * 24 * 3600


def _version_key(username):
    # Usernames are looked up case-insensitively (the unique index on lower(username)), and are ASCII.
    return f"learner:{username.lower()}:version"


def _entry_key(username, name):
    return f"learner:{username.lower()}:{name}"


def learner_cache_keys(username, names):
    """Return the cache keys ``learner_cache_read`` reads for the entries ``names`` about ``username`` (a list).

    For a caller that reads them ahead, in a round trip it makes anyway (``read``).
    """
    return [_version_key(username), *(_entry_key(username, name) for name in names)]


def learner_cache_read(username, name, *, read=None):
    """Return ``(version, value)`` of the entry ``name`` about the learner ``username``, in one cache round trip.

    Args:
        username: the learner's username, in any case; need not belong to anyone
            (an answer that no such learner exists can be cached too).
        name: which entry, e.g. "public-profile:learners".
        read: ``{key: value or None}`` of keys of ``learner_cache_keys`` read ahead in this
            request, used instead of a round trip when it holds this entry's keys.

    Returns:
        the learner's current version (int), to pass to ``learner_cache_write`` with
        what is read from the database after this call; and the value, or None when
        there is none written under the current version.
    """
    version_key, entry_key = _version_key(username), _entry_key(username, name)
    if read is not None and version_key in read and entry_key in read:
        found = read
    else:
        found = cache.get_many([version_key, entry_key])
    version = found.get(version_key)
    if version is None:
        cache.add(version_key, time.time_ns(), VERSION_TIMEOUT)
        version = cache.get(version_key)  # whichever process added it first
    entry = found.get(entry_key)
    if entry is None or entry[0] != version:
        return version, None
    return version, entry[1]


def learner_cache_write(username, name, version, value, timeout):
    """Store ``value`` as the entry ``name`` about the learner, read under ``version`` (``learner_cache_read``).

    Args:
        timeout: seconds it may be used at most.
    """
    cache.set(_entry_key(username, name), (version, value), timeout)


def _bump(username):
    key = _version_key(username)
    try:
        cache.incr(key)
    except ValueError:
        # Missing: a fresh version from the clock is greater than any before it.
        cache.add(key, time.time_ns(), VERSION_TIMEOUT)


def _bump_user(user_id):
    User = get_user_model()
    username = User._default_manager.filter(pk=user_id).values_list(User.USERNAME_FIELD, flat=True).first()
    if username is not None:  # else deleted: the account's own deletion dropped its username
        _bump(username)


def _on_commit_once(marker, func):
    """Run ``func()`` after the commit, unless a call with the same ``marker`` is already waiting for it.

    One increment per learner and transaction, however many of their rows change
    (an erasure deletes a thousand enrollments). The waiting callbacks are read from
    the connection's own list, from which a rolled-back savepoint removes its callbacks.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(waiting, "learner_cache_marker", None) == marker for _, waiting, _ in connection.run_on_commit
    ):
        return
    callback = partial(func, marker[1])
    callback.learner_cache_marker = marker
    transaction.on_commit(callback)


def learner_cache_drop(*, username):
    """Make every cached entry about the learner ``username`` stale once the current transaction commits.

    Call it in the transaction of any change to what is cached about the learner
    (their profile, who sees it, their courses, their account); outside a
    transaction it takes effect at once. Rolled back, it does nothing.

    Args:
        username: the learner's username as it is now; call it again with the old
            one when the change renames the account.
    """
    _on_commit_once(("username", username.lower()), _bump)


def learner_cache_drop_for(row):
    """Call ``learner_cache_drop`` for the learner ``row`` belongs to (its ``user``), e.g. a profile or an enrollment.

    When ``row.user`` is not loaded, the username is read after the commit (one
    query per learner and transaction); a learner deleted by then drops nothing here
    (their account's own deletion did). A rename is not seen: the service renaming
    drops the old username itself.
    """
    if row._meta.get_field("user").is_cached(row):
        learner_cache_drop(username=row.user.get_username())
    else:
        _on_commit_once(("user", row.user_id), _bump_user)
