"""Test set-up shared by every app's tests.

Markers ``postgres`` and ``redis`` say a test needs the real service. Without it the test is
skipped with the reason, except when ``CI=true``: there a missing service is a failure,
so CI can never pass by skipping the concurrency and broker tests.
"""

import os

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"


def _missing_service(item) -> str | None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0"
    return None


@pytest.fixture(autouse=True)
def _require_services(request):
    reason = _missing_service(request.node)
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but this test's service is missing: {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Hashed static names need collectstatic first; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache(settings, request):
    # Each test gets its own empty cache, so throttling counters and cached pages never
    # leak between tests (in CI the configured cache is a shared Redis).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


@pytest.fixture(autouse=True)
def _empty_message_outbox():
    # config.transports.memory keeps what the test transports "sent"; each test starts empty.
    from config.transports import memory

    memory.reset()
    yield
    memory.reset()


@pytest.fixture
def owner_client(client):
    """The test client logged in as the shop's owner (every admin screen)."""
    from config.roles import OWNER
    from tests.factories import StaffFactory

    client.force_login(StaffFactory(role=OWNER))
    return client


@pytest.fixture
def fake_provider():
    """An HTTP server on 127.0.0.1 speaking the SMS gateway's, Zalo ZNS's and Messenger's
    request shapes; see tests/transport_fakes.py. ``fake_provider.configure(settings)``
    points the transports at it."""
    from tests.transport_fakes import FakeProvider

    provider = FakeProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def smtp_server():
    """An SMTP server on 127.0.0.1 (aiosmtpd); ``smtp_server.configure(settings)`` puts
    Django's SMTP backend in front of it. See tests/transport_fakes.py."""
    from tests.transport_fakes import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_server():
    """A redis-server of this test's own on a free port (``.url``, ``.stop()``)."""
    from tests.platform.redis_server import RedisServer

    server = RedisServer().start()
    yield server
    server.stop()
