"""A rate throttle that keeps two counters per caller instead of DRF's list of timestamps.

DRF's ``SimpleRateThrottle`` keeps every request of the last window in one cache entry (a
list of times), reads it, trims it and writes it back on every request: at the terminals'
1,200 requests a minute that is up to 1,200 floats pickled and sent twice per request.
:class:`WindowCounterThrottle` counts instead, the *sliding window counter* way: one counter
per fixed window, and the rate of the last ``duration`` seconds estimated as this window's
count plus the previous window's, weighted by how much of it still lies in the last
``duration`` seconds. The estimate is exact when requests come evenly, it never lets
through twice the rate at a window's edge as a bare fixed window would, and on Redis it
costs one round trip (``config.cache.FailOpenRedisCache.window_count``).

A refused request is taken back out of the count, as DRF's log never records one: a till
that retries while refused is not kept out longer for it.
"""

import contextlib

from rest_framework import throttling

from config.cache import count_up


class WindowCounterThrottle(throttling.SimpleRateThrottle):
    """``SimpleRateThrottle`` (same rates, scopes and ``get_cache_key``) counting per window."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window, into = divmod(self.now, self.duration)
        current = f"{self.key}:{int(window)}"
        # The previous window's counter must outlive its own window by one more.
        count, self.previous = self._count(current, f"{self.key}:{int(window) - 1}")
        self.count = count - 1  # the requests before this one
        self.weight = 1 - into / self.duration
        if self.previous * self.weight + count <= self.num_requests:
            return True
        self._uncount(current)
        return self.throttle_failure()

    def _count(self, current: str, previous: str) -> tuple[int, int]:
        """Add this request to ``current``'s counter; the new count and ``previous``'s."""
        timeout = 2 * self.duration
        counting = getattr(self.cache, "window_count", None)
        if counting is not None:
            return counting(current, previous, timeout)
        return count_up(self.cache, current, timeout), self.cache.get(previous, 0)

    def _uncount(self, current: str) -> None:
        # Gone (expired, or the cache is down): nothing to take back.
        with contextlib.suppress(ValueError):
            self.cache.decr(current)

    def wait(self):
        """Seconds until the estimate falls back under the rate: the previous window's
        weight has to shrink by what is over, or, if this window alone is full, the
        window has to end (and then some of it to pass)."""
        room = self.num_requests - self.count
        if room > 0 and self.previous:
            # previous * (weight - t / duration) + count + 1 <= num_requests
            over = self.previous * self.weight - (room - 1)
            return max(over, 0) * self.duration / self.previous
        into_next = (self.count + 1 - self.num_requests) / max(self.count, 1)
        return self.duration * (self.weight + into_next)


class AnonRateThrottle(WindowCounterThrottle, throttling.AnonRateThrottle):
    """DRF's throttle of callers not logged in (per address), counting per window."""


class UserRateThrottle(WindowCounterThrottle, throttling.UserRateThrottle):
    """DRF's throttle of logged-in staff (per user), counting per window."""
