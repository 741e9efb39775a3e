"""The send path is batch-shaped: a batch's queries do not grow with its messages.

Gates read their facts once per batch (consents, suppressions, Do-Not-Call, frequency cap,
recent purchases), every outcome and verdict of a chunk is one UPDATE, the timeline events
one INSERT. The queries grow with the chunks (``MESSAGE_HANDOFF_CHUNK``), not the messages.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Message
from campaigns.services import message_send_due
from config.transports import TransientSendError
from customers.models import Event
from customers.services import consent_record
from tests.campaigns import transports
from tests.factories import ContactPointFactory, CustomerFactory, MessageFactory

pytestmark = pytest.mark.django_db

NOON_HANOI = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


def mixed_batch(count: int) -> dict[str, int]:
    """``count`` due messages of five kinds; how many should end in each state."""
    expected = {"sent": 0, "skipped": 0, "pending": 0}
    for n in range(count):
        customer = CustomerFactory()
        kind = n % 5
        if kind == 0:  # a receipt
            MessageFactory(customer=customer)
            expected["sent"] += 1
        elif kind == 1:  # an advert nobody agreed to: skipped, no_consent
            MessageFactory(
                customer=customer, channel="sms", address="+84909908089", purpose="marketing"
            )
            expected["skipped"] += 1
        elif kind == 2:  # an advert with consent, featuring a product
            consent_record(
                customer=customer,
                channel="email",
                purpose="marketing",
                granted=True,
                source="web_form",
                actor="shopper",
            )
            MessageFactory(customer=customer, purpose="marketing", featured_variant_ids=[7])
            expected["sent"] += 1
        elif kind == 3:  # scheduled before the customer gave an address
            ContactPointFactory(customer=customer, value=f"moi{count}-{n}@example.vn")
            MessageFactory(customer=customer, address="")
            expected["sent"] += 1
        else:  # the provider answers 429: back to pending
            transports.FAIL.append(TransientSendError("429"))
            # Due first, so the first provider calls (the ones that fail) are theirs.
            MessageFactory(customer=customer, send_at=NOON_HANOI - timedelta(minutes=1))
            expected["pending"] += 1
    return expected


def send_all() -> dict[str, int]:
    """One worker's batches: the service messages' queue, then the adverts'."""
    counts: dict[str, int] = {}
    for purpose in ("transactional", "marketing"):
        summary = message_send_due(batch_size=100, worker="w1", purpose=purpose)
        for outcome, number in summary.counts.items():
            counts[outcome] = counts.get(outcome, 0) + number
    return counts


@time_machine.travel(NOON_HANOI, tick=False)
def test_a_batch_of_50_costs_the_queries_of_a_batch_of_5(settings, django_assert_max_num_queries):
    # given: everything due fits one chunk, so the counts compare messages, not chunks
    settings.MESSAGE_HANDOFF_CHUNK = 100
    expected = mixed_batch(5)
    with CaptureQueriesContext(connection) as five:
        assert send_all() == expected
    Message.objects.all().delete()
    Event.objects.all().delete()
    expected = mixed_batch(50)

    # when
    with django_assert_max_num_queries(len(five.captured_queries)) as fifty:
        outcomes = send_all()

    # then: the same queries for ten times the messages, and every outcome recorded
    assert outcomes == expected
    assert len(fifty.captured_queries) == len(five.captured_queries)
    states = Message.objects.values_list("state", flat=True)
    assert {state: list(states).count(state) for state in set(states)} == expected
    assert Event.objects.filter(kind="message_sent").count() == expected["sent"]
    assert transports.FAIL == []


def test_an_address_given_after_scheduling_is_used_in_one_query(recording_transport):
    # given
    customer = CustomerFactory()
    ContactPointFactory(customer=customer, value="old@example.vn")
    ContactPointFactory(customer=customer, value="verified@example.vn", is_verified=True)
    message = MessageFactory(customer=customer, address="")

    # when
    message_send_due(batch_size=10, worker="w1")

    # then
    message.refresh_from_db()
    assert (message.state, message.address) == ("sent", "verified@example.vn")
    assert [outgoing.to for outgoing in recording_transport] == ["verified@example.vn"]


@time_machine.travel(NOON_HANOI, tick=False)
def test_a_row_taken_back_mid_chunk_is_lost_to_us_and_the_rest_still_go(recording_transport):
    # given: three claimed messages; the sweep gave the middle one back meanwhile
    from campaigns.services import message_claim_due, message_send_claimed

    messages = [MessageFactory(idempotency_key=f"k:{n}") for n in range(3)]
    claimed = message_claim_due(batch_size=10, worker="slow", purpose="transactional")
    Message.objects.filter(pk=messages[1].pk).update(
        state="pending", claimed_by="", claimed_at=None
    )

    # when: the chunk's conditional UPDATEs find a row missing, roll back, and redo it
    # under row locks
    outcomes = message_send_claimed(messages=claimed)

    # then: only the two still ours left, each once, with their events
    assert outcomes == ["sent", "lost", "sent"]
    assert [outgoing.idempotency_key for outgoing in recording_transport] == ["k:0", "k:2"]
    states = dict(Message.objects.values_list("idempotency_key", "state"))
    assert states == {"k:0": "sent", "k:1": "pending", "k:2": "sent"}
    assert Message.objects.get(idempotency_key="k:1").attempts == 0
    assert Event.objects.filter(kind="message_sent").count() == 2
