"""Settings for worker and send-loop subprocesses started by the outbox tests: every channel
goes to ``FileRecordingTransport`` (sends appended to ``$OUTBOX_SENT_LOG``)."""

from tests.settings import *  # noqa: F403

MESSAGE_TRANSPORTS = {
    channel: "tests.campaigns.transports.FileRecordingTransport"
    for channel in ("email", "sms", "zalo", "messenger")
}
