"""Settings for a worker subprocess that sends through the real transports: the test suite's
settings with the project's environment-driven ``MESSAGE_TRANSPORTS`` and provider settings
(``fake_provider.environ()`` points them at the fake provider)."""

import config.settings as project
from tests.settings import *  # noqa: F403

MESSAGE_TRANSPORTS = project.MESSAGE_TRANSPORTS
