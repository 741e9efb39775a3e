from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from campaigns.models import Message
from campaigns.services import message_recover_stuck, message_send_due
from config.transports import PermanentSendError, TransientSendError
from customers.models import Event
from tests.campaigns import transports
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

NOON_HANOI = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)  # 12:00 in Asia/Ho_Chi_Minh


def send(**overrides):
    return message_send_due(batch_size=overrides.pop("batch_size", 50), worker="w1", **overrides)


@time_machine.travel(NOON_HANOI, tick=False)
def test_due_message_is_sent_recorded_and_put_on_the_timeline(recording_transport):
    # given
    message = MessageFactory(subject="Đơn WEB-1", body="Cảm ơn", address="hoa@example.vn")

    # when
    summary = send()

    # then
    message.refresh_from_db()
    assert (summary.claimed, summary.counts) == (1, {"sent": 1})
    assert (message.state, message.provider_id, message.attempts) == ("sent", "rec-1", 1)
    assert message.sent_at == NOON_HANOI
    assert message.claimed_by == "w1"
    [outgoing] = recording_transport
    assert (outgoing.channel, outgoing.to, outgoing.subject, outgoing.body) == (
        "email",
        "hoa@example.vn",
        "Đơn WEB-1",
        "Cảm ơn",
    )
    assert outgoing.idempotency_key == message.idempotency_key
    event = Event.objects.get(customer=message.customer)
    assert event.kind == "message_sent"
    assert event.payload == {
        "message_id": message.pk,
        "state": "sent",
        "channel": "email",
        "purpose": "transactional",
        "template_code": "order_paid",
        "flow": "",
        "step": "",
        "provider_id": "rec-1",
    }


@time_machine.travel(NOON_HANOI, tick=False)
def test_future_and_finished_messages_are_not_claimed(recording_transport):
    # given
    MessageFactory(send_at=NOON_HANOI + timedelta(seconds=1))
    MessageFactory(state="sent")
    MessageFactory(state="failed")
    MessageFactory(state="uncertain")

    # when
    summary = send()

    # then
    assert summary.claimed == 0
    assert recording_transport == []


@time_machine.travel(NOON_HANOI, tick=False)
def test_claim_order_is_send_at_then_id_and_transactional_first(recording_transport):
    # given
    later = MessageFactory(send_at=NOON_HANOI - timedelta(minutes=1))
    earlier = MessageFactory(send_at=NOON_HANOI - timedelta(minutes=5))
    same_time = MessageFactory(send_at=NOON_HANOI - timedelta(minutes=1))

    # when
    send(batch_size=2)

    # then
    sent = [m.idempotency_key for m in recording_transport]
    assert sent == [earlier.idempotency_key, later.idempotency_key]
    assert Message.objects.get(pk=same_time.pk).state == "pending"


@time_machine.travel(NOON_HANOI, tick=False)
def test_transient_failure_goes_back_to_pending_with_backoff(recording_transport, settings):
    # given
    settings.MESSAGE_RETRY_BASE_SECONDS = 60
    message = MessageFactory()
    transports.FAIL.append(TransientSendError("429 Too Many Requests"))

    # when
    first = send()

    # then
    message.refresh_from_db()
    assert first.counts == {"pending": 1}
    assert (message.state, message.attempts, message.reason, message.reason_detail) == (
        "pending",
        1,
        "transient",
        "429 Too Many Requests",
    )
    assert message.send_at == NOON_HANOI + timedelta(seconds=60)
    assert not Event.objects.exists()

    # when: the second failure doubles the wait
    transports.FAIL.append(TransientSendError("503"))
    with time_machine.travel(NOON_HANOI + timedelta(seconds=60), tick=False):
        send()
    message.refresh_from_db()
    assert (message.attempts, message.send_at) == (2, NOON_HANOI + timedelta(seconds=180))


@time_machine.travel(NOON_HANOI, tick=False)
def test_transient_failures_end_as_failed_after_the_last_attempt(recording_transport, settings):
    # given
    settings.MESSAGE_MAX_ATTEMPTS = 2
    message = MessageFactory(attempts=1)
    transports.FAIL.append(TransientSendError("timeout"))

    # when
    send()

    # then
    message.refresh_from_db()
    assert (message.state, message.reason, message.reason_detail, message.attempts) == (
        "failed",
        "retries_exhausted",
        "timeout",
        2,
    )
    assert Event.objects.get().payload["state"] == "failed"


@time_machine.travel(NOON_HANOI, tick=False)
def test_permanent_failure_fails_with_the_providers_words_and_is_not_retried(
    recording_transport,
):
    # given
    message = MessageFactory()
    transports.FAIL.append(PermanentSendError("400: invalid phone number"))

    # when
    send()
    again = send()

    # then
    message.refresh_from_db()
    assert (message.state, message.reason, message.reason_detail) == (
        "failed",
        "provider_rejected",
        "400: invalid phone number",
    )
    assert again.claimed == 0
    assert recording_transport == []


@time_machine.travel(NOON_HANOI, tick=False)
def test_a_message_without_address_is_skipped_no_contact(recording_transport):
    # given
    message = MessageFactory(channel="sms", address="")

    # when
    send()

    # then
    message.refresh_from_db()
    assert (message.state, message.reason) == ("skipped", "no_contact")
    assert recording_transport == []
    assert not Event.objects.exists()


@time_machine.travel(NOON_HANOI, tick=False)
def test_an_address_given_after_scheduling_is_used(recording_transport):
    # given
    from tests.factories import ContactPointFactory

    message = MessageFactory(channel="sms", address="")
    ContactPointFactory(customer=message.customer, kind="phone", value="+84909908089")

    # when
    send()

    # then
    message.refresh_from_db()
    assert (message.state, message.address) == ("sent", "+84909908089")


# --- the sweep ------------------------------------------------------------------------------


@time_machine.travel(NOON_HANOI, tick=False)
def test_sweep_returns_claimed_but_never_handed_rows_to_pending(recording_transport, settings):
    # given: a worker claimed it 11 minutes ago and died before calling the provider
    settings.MESSAGE_SENDING_TIMEOUT_SECONDS = 600
    claimed_at = NOON_HANOI - timedelta(minutes=11)
    message = MessageFactory(state="sending", claimed_at=claimed_at, claimed_by="dead")

    # when
    counts = message_recover_stuck()

    # then
    message.refresh_from_db()
    assert counts == {"pending": 1, "uncertain": 0}
    assert (message.state, message.claimed_by, message.send_at) == ("pending", "", NOON_HANOI)


@time_machine.travel(NOON_HANOI, tick=False)
def test_sweep_marks_a_handed_row_uncertain_when_the_provider_does_not_deduplicate(
    recording_transport,
):
    # given
    handed_at = NOON_HANOI - timedelta(minutes=11)
    message = MessageFactory(
        state="sending", claimed_at=handed_at, claimed_by="dead", handed_at=handed_at, attempts=1
    )

    # when
    counts = message_recover_stuck()
    summary = send()

    # then: never sent again
    message.refresh_from_db()
    assert counts == {"pending": 0, "uncertain": 1}
    assert (message.state, message.reason) == ("uncertain", "worker_lost")
    assert summary.claimed == 0
    assert recording_transport == []


@time_machine.travel(NOON_HANOI, tick=False)
def test_sweep_resends_a_handed_row_when_the_provider_deduplicates(recording_transport, settings):
    # given
    settings.MESSAGE_TRANSPORTS = {
        **settings.MESSAGE_TRANSPORTS,
        "email": "tests.campaigns.transports.IdempotentRecordingTransport",
    }
    handed_at = NOON_HANOI - timedelta(minutes=11)
    message = MessageFactory(
        state="sending", claimed_at=handed_at, claimed_by="dead", handed_at=handed_at, attempts=1
    )

    # when
    counts = message_recover_stuck()
    send()

    # then: resent with the same key, so the provider keeps one
    message.refresh_from_db()
    assert counts == {"pending": 1, "uncertain": 0}
    assert (message.state, message.attempts) == ("sent", 2)
    assert [m.idempotency_key for m in recording_transport] == [message.idempotency_key]


@time_machine.travel(NOON_HANOI, tick=False)
def test_sweep_leaves_recent_sending_rows_alone(recording_transport):
    # given
    message = MessageFactory(
        state="sending", claimed_at=NOON_HANOI - timedelta(minutes=1), claimed_by="alive"
    )

    # when
    counts = message_recover_stuck()

    # then
    message.refresh_from_db()
    assert counts == {"pending": 0, "uncertain": 0}
    assert message.state == "sending"


@time_machine.travel(NOON_HANOI, tick=False)
def test_a_worker_whose_claim_was_taken_over_does_not_send(recording_transport):
    # given: w1 claimed, then its claim expired and the sweep gave the row back
    from campaigns.services import message_claim_due, message_send_claimed

    message = MessageFactory()
    [claimed] = message_claim_due(batch_size=10, worker="slow", purpose="transactional")
    Message.objects.filter(pk=message.pk).update(state="pending", claimed_by="", claimed_at=None)

    # when
    outcomes = message_send_claimed(messages=[claimed])

    # then
    assert outcomes == ["lost"]
    assert recording_transport == []
    assert Message.objects.get(pk=message.pk).state == "pending"
