"""The API's rate throttle counts per window and weighs the previous one
(config/api/throttling.py): a caller gets its rate, not twice it at a window's edge, a
refused request does not count, and Retry-After says when the next one goes through. The
same on Django's local memory cache and on Redis (one round trip there)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from config.api.throttling import WindowCounterThrottle
from config.cache import outage
from tests.platform.redis_server import free_port, redis_cache

MINUTE = 60
START = 1_800_000_000 // MINUTE * MINUTE  # a window's first second


class _Throttle(WindowCounterThrottle):
    rate = "3/minute"

    def get_cache_key(self, request, view):
        return "throttle_test_caller"


def _ask(at: float) -> tuple[bool, float | None]:
    """One request at ``at``: let through or not, and the wait it is told when refused."""
    throttle = _Throttle()
    throttle.timer = lambda: at
    allowed = throttle.allow_request(request=None, view=None)
    return allowed, None if allowed else throttle.wait()


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def counting_cache(request, settings):
    """The test's own local memory cache (conftest), or a Redis of its own."""
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        redis_cache(settings, server.url)
    return request.param


def test_a_caller_gets_its_rate_and_not_one_more(counting_cache):
    # when: five requests in the middle of a window
    answers = [_ask(START + 30 + second)[0] for second in range(5)]

    # then
    assert answers == [True, True, True, False, False]


def test_a_full_window_still_counts_at_the_start_of_the_next(counting_cache):
    # given: the rate used up in a window's last seconds
    assert all(_ask(START + 57 + second)[0] for second in range(3))

    # when: the next window starts (a bare fixed window would let 3 more through)
    at_edge = _ask(START + MINUTE + 1)[0]
    # and: half of it has gone (the previous window weighs 3 x 1/2)
    halfway = [_ask(START + MINUTE + 30)[0] for _ in range(2)]

    # then
    assert at_edge is False
    assert halfway == [True, False]


def test_refused_requests_do_not_count(counting_cache):
    # given: the rate used up, then ten refused requests
    assert all(_ask(START + 10)[0] for _ in range(3))
    assert not any(_ask(START + 11)[0] for _ in range(10))

    # when: two thirds of the next window have gone (the previous one weighs 3 x 1/3 = 1)
    answers = [_ask(START + MINUTE + 40)[0] for _ in range(3)]

    # then: as if only the three had come
    assert answers == [True, True, False]


@pytest.mark.parametrize(
    ("used_at", "refused_at"),
    [
        pytest.param(START + 55, START + MINUTE + 1, id="previous-window-full"),
        pytest.param(START + 2, START + 3, id="this-window-full"),
    ],
)
def test_retry_after_is_when_the_next_request_goes_through(counting_cache, used_at, refused_at):
    # given: the rate used up, and a refused request told to wait
    assert all(_ask(used_at)[0] for _ in range(3))
    allowed, wait = _ask(refused_at)
    assert allowed is False

    # then: a second short of that wait is still refused, the wait itself goes through
    assert _ask(refused_at + wait - 1)[0] is False
    assert _ask(refused_at + wait + 0.001)[0] is True


@pytest.mark.redis
def test_redis_counts_every_request_of_threads_at_once(settings, redis_server):
    # given
    redis_cache(settings, redis_server.url)

    # when: 4 threads count 50 requests each into one window
    def count(_):
        return [cache.window_count("w:2", "w:1", 120)[0] for _ in range(50)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        seen = sorted(n for counts in pool.map(count, range(4)) for n in counts)

    # then: each request saw its own count, none lost, and the counter expires
    assert seen == list(range(1, 201))
    assert cache.window_count("w:3", "w:2", 120) == (1, 200)
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_and_validate_key("w:3")) <= 120


def test_a_redis_nobody_answers_lets_requests_through(settings):
    # given: the cache is a Redis on a port where nothing listens
    redis_cache(settings, f"redis://127.0.0.1:{free_port()}/0")

    # when
    try:
        answers = [_ask(START + 30)[0] for _ in range(5)]
    finally:
        outage.down = False

    # then: failing open, as every other cache call
    assert answers == [True] * 5
