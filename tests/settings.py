"""Settings for the test suite: the project's own, plus apps that exist only for tests."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

# merge_testapp: rows in an app `customers` does not know, which a merge must move.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.customers.merge_testapp.apps.MergeTestAppConfig"]

# Passwords are hashed thousands of times per suite run; the fast hasher keeps tests quick
# (the production hasher is tested by Django itself).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Messages stay in memory: email through the locmem backend (django.core.mail.outbox) and
# every channel recorded in config.transports.memory.outbox (emptied before each test).
# Tests of the real transports override these (fixtures smtp_server, fake_provider).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MESSAGE_TRANSPORTS = {
    "email": "config.transports.memory.MemoryEmailTransport",
    "sms": "config.transports.memory.MemorySmsTransport",
    "zalo": "config.transports.memory.MemoryZaloTransport",
    "messenger": "config.transports.memory.MemoryMessengerTransport",
}

# The channel ranking explores on a share of customer-days, drawn by customer id and date:
# ids differ between SQLite and PostgreSQL runs, so tests that expect a channel would
# depend on the draw. Off here; tests/campaigns/test_channel_ranking.py turns it on.
CHANNEL_EXPLORATION_PERCENT = 0

# pytest-django runs with DEBUG off; the card pages are tested against the test provider.
ALLOW_TEST_CARD_PROVIDER = True
