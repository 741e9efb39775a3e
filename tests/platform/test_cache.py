"""The Redis cache fails open: while Redis does not answer, reads miss and writes are
dropped, logged once per outage (config/cache.py)."""

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from config.cache import outage
from tests.platform.redis_server import RedisServer, free_port, redis_cache


@pytest.fixture(autouse=True)
def _no_outage_before():
    outage.down = False
    yield
    outage.down = False


def test_a_cache_nobody_answers_misses_and_drops_writes(settings, caplog):
    # given: the cache is a Redis on a port where nothing listens
    redis_cache(settings, f"redis://127.0.0.1:{free_port()}/0")

    # when / then: every call answers as for a missing key, none raises a connection error
    assert cache.get("throttle", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("a") is False
    assert cache.add("a", 0, timeout=60) is False
    assert cache.set("a", 1, timeout=60) is None
    assert cache.set_many({"a": 1}) == []
    assert cache.touch("a") is False
    assert cache.delete("a") is False
    assert cache.delete_many(["a"]) is None
    with pytest.raises(ValueError, match="not found"):
        cache.incr("a")
    # and the outage is logged once, not once per call
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert [(r.levelno, r.getMessage()) for r in warnings] == [
        (logging.WARNING, "cache unavailable, failing open until it answers again")
    ]


@pytest.mark.redis
def test_the_cache_works_stops_failing_open_and_says_when_it_is_back(
    settings, redis_server, caplog
):
    # given: our own Redis answers
    redis_cache(settings, redis_server.url)
    cache.set("counter", 1, timeout=60)
    assert cache.incr("counter") == 2

    # when: it stops
    redis_server.stop()

    # then: a miss, one warning
    assert cache.get("counter") is None
    assert cache.add("counter", 0) is False

    # when: a Redis answers on that port again
    again = RedisServer(port=redis_server.port).start()
    try:
        cache.set("counter", 5, timeout=60)
        assert cache.get("counter") == 5
    finally:
        again.stop()
    assert [r.getMessage() for r in caplog.records if r.name == "config.cache"] == [
        "cache unavailable, failing open until it answers again",
        "cache answers again",
    ]


@pytest.mark.redis
def test_every_call_reuses_one_redis_client_and_calls_at_once_all_count(settings, redis_server):
    # given: our own Redis answers
    redis_cache(settings, redis_server.url)
    client = cache._cache.get_client(write=True)

    # when: calls from several threads at once (Django gives each thread its own cache
    # object, each keeping its own client)
    def bump(_):
        for _ in range(50):
            cache.incr("counter")

    cache.set("counter", 0, timeout=60)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(bump, range(4)))

    # then: every increment counted, and this thread's calls all went through one client
    assert cache.get("counter") == 200
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads use the same pool
