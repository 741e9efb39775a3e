"""A per-shop token bucket and the retry loop every platform call goes through.

The bucket's state lives in the cache (Redis in production), so the beat's push run and a
staff-triggered reconciliation of the same shop share it; only one of them runs a shop at a
time (``shop_lock``), so the read-modify-write of the state needs no atomic counter.
"""

import random
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

from orders.marketplaces.adapters import PlatformError, RateLimited

LOCK_SECONDS = 300


@contextmanager
def shop_lock(shop_pk: int):
    """Yield True if this process may talk to the shop's API now (one runner per shop)."""
    key, token = f"marketplace:lock:{shop_pk}", uuid.uuid4().hex
    acquired = cache.add(key, token, timeout=LOCK_SECONDS)
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)


class TokenBucket:
    """``rate`` calls per second on average, bursts up to ``capacity``."""

    def __init__(self, *, key: str, rate: float, capacity: float | None = None, sleep=time.sleep):
        self.key, self.rate = f"marketplace:bucket:{key}", float(rate)
        self.capacity = float(capacity or rate)
        self.sleep = sleep
        self.waited = 0.0

    def take(self) -> None:
        tokens, stamp = cache.get(self.key) or (self.capacity, time.monotonic())
        now = time.monotonic()
        tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
        if tokens < 1:
            wait = (1 - tokens) / self.rate
            self.sleep(wait)
            self.waited += wait
            now, tokens = now + wait, 1.0
        cache.set(self.key, (tokens - 1, now), timeout=3600)


def with_retries(
    call: Callable, *, bucket: TokenBucket, on_retry: Callable | None = None, sleep=time.sleep
):
    """Run ``call`` under the bucket; on 429 or a transient error back off (Retry-After, or
    exponential with jitter) and try again, at most ``MARKETPLACE_PUSH_RETRIES`` times."""
    attempt = 0
    while True:
        bucket.take()
        try:
            return call(), attempt + 1
        except PlatformError as error:
            if not error.transient or attempt >= settings.MARKETPLACE_PUSH_RETRIES:
                raise
            retry_after = error.retry_after if isinstance(error, RateLimited) else None
            delay = retry_after or min(0.2 * 2**attempt, 10.0) * random.uniform(0.5, 1.0)  # noqa: S311
            if on_retry is not None:
                on_retry(error, attempt + 1)
            sleep(delay)
            attempt += 1
