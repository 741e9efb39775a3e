import pytest

from config.transports.base import _transport
from tests.campaigns import transports

ALL_CHANNELS = ("email", "sms", "zalo", "messenger")


@pytest.fixture(autouse=True)
def recording_transport(settings):
    """Every channel goes to the recording transport; it starts empty."""
    settings.MESSAGE_TRANSPORTS = {
        channel: "tests.campaigns.transports.RecordingTransport" for channel in ALL_CHANNELS
    }
    _transport.cache_clear()
    transports.SENT.clear()
    transports.FAIL.clear()
    yield transports.SENT
    transports.SENT.clear()
    transports.FAIL.clear()
    _transport.cache_clear()
