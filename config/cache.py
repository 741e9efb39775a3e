"""Django's Redis cache, failing open: a Redis that is down is a cache miss, not a 500.

What reads the cache here are throttles (the API's, ``config.api.throttling``, and the
shoppers' login throttle) and
nothing that decides money or stock, so when Redis does not answer within its short socket
timeouts (``OPTIONS`` in settings) a read answers "not there" and a write is dropped: a
sale, a checkout or a log-in goes on unthrottled for as long as the outage lasts. The
first failure of an outage is logged once as a warning, the recovery once as info.

Django's built-in ``RedisCache`` has no option for this (django-redis calls it
``IGNORE_EXCEPTIONS``); this subclass is that option, and one client per connection pool
instead of one per call (:class:`ClientPerPool`).
"""

import functools
import logging
import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class _Outage:
    """Whether the last call failed, shared by every thread of the process (log once)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.down = False

    def failed(self, operation: str, error: Exception) -> None:
        with self._lock:
            first, self.down = not self.down, True
        if first:
            logger.warning(
                "cache unavailable, failing open until it answers again",
                extra={"operation": operation, "error": type(error).__name__},
            )

    def answered(self) -> None:
        if not self.down:  # the common case: no lock taken
            return
        with self._lock:
            back, self.down = self.down, False
        if back:
            logger.info("cache answers again")


outage = _Outage()


def count_up(cache, key: str, timeout: int) -> int:
    """Add one to the counter at ``key`` of any Django ``cache``, started at zero for
    ``timeout`` seconds when absent; the new count (1 when it expired, or the cache is
    down, between the two calls)."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=timeout)
        return 1


def _fail_open(miss):
    """Run the cache call; on a Redis connection error or timeout answer ``miss(*args)``."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                result = method(self, *args, **kwargs)
            except UNAVAILABLE as error:
                outage.failed(method.__name__, error)
                return miss(*args, **kwargs)
            outage.answered()
            return result

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _not_found(key, *args, **kwargs):
    # What Django's caches raise for incr() of a missing key: callers already handle it.
    raise ValueError(f"Key {key!r} not found (the cache is unavailable).")


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty(*args, **kwargs):
    return {}


def _no_failures(*args, **kwargs):
    return []


def _nothing_counted(*args, **kwargs):
    return 0, 0


class ClientPerPool(RedisCacheClient):
    """Django's Redis cache client with one ``redis.Redis`` per connection pool, kept.

    Django's builds a new ``redis.Redis`` for every call, and redis-py fills each new one's
    table of some 250 response callbacks: a third of a throttle's cache read went there
    (docs/performance.md). A ``redis.Redis`` is only a handle on its pool, which hands out
    the connections (and starts over after a fork); Django keeps one cache object, so one
    of these, per thread.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # the pools live as long as this client
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class FailOpenRedisCache(RedisCache):
    """``RedisCache`` whose reads miss and writes are dropped while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ClientPerPool

    get = _fail_open(_default)(RedisCache.get)
    get_many = _fail_open(_empty)(RedisCache.get_many)
    has_key = _fail_open(_false)(RedisCache.has_key)
    add = _fail_open(_false)(RedisCache.add)
    set = _fail_open(_nothing)(RedisCache.set)
    set_many = _fail_open(_no_failures)(RedisCache.set_many)
    touch = _fail_open(_false)(RedisCache.touch)
    incr = _fail_open(_not_found)(RedisCache.incr)
    delete = _fail_open(_false)(RedisCache.delete)
    delete_many = _fail_open(_nothing)(RedisCache.delete_many)

    @_fail_open(_nothing_counted)
    def window_count(self, key: str, previous_key: str, timeout: int) -> tuple[int, int]:
        """Add one to the counter at ``key`` (kept ``timeout`` seconds from now) and read
        the one at ``previous_key``, in one round trip: the new count and the other's (0
        when absent). For ``config.api.throttling.WindowCounterThrottle``; (0, 0) while
        Redis is unreachable, so the caller lets the request through."""
        key, previous_key = (
            self.make_and_validate_key(key),
            self.make_and_validate_key(previous_key),
        )
        with self._cache.get_client(key, write=True).pipeline(transaction=False) as pipe:
            count, _expires, previous = (
                pipe.incr(key).expire(key, timeout).get(previous_key).execute()
            )
        return count, int(previous or 0)
