"""Django's Redis cache, with one client per connection pool instead of one per call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache
operation, which costs about as much as the round trip to a local Redis itself (50–60 µs
of Python). A ``redis.Redis`` takes a connection from its pool for each command and gives it
back, so one client per pool is safe to share between threads and survives a fork (the pool
notices the new process and opens its own connections). Everything else is Django's.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    """Django's Redis cache client, keeping the ``redis.Redis`` it makes for each pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with ``RedisCacheClient`` above; same settings."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
