"""What a chunk of the send path costs in statements, on each database, as a worker runs it
(outside any transaction: ``transaction=True``, so the test wraps nothing around it)."""

import pytest
from django.db import connection

from campaigns.models import Message
from campaigns.services import message_send_due
from customers.models import Event
from tests.factories import MessageFactory

# Claim: BEGIN, the SKIP LOCKED pass, the UPDATE marking the rows, COMMIT, the rows read
# back. Gates of a batch of service emails: suppressions and consents, one query each.
CLAIM_AND_GATES = 5 + 2


@pytest.mark.django_db(transaction=True)
def test_each_chunk_is_one_statement_on_postgresql_two_elsewhere(
    settings, django_assert_num_queries
):
    # given: 12 due receipts in chunks of 4, so three hand-offs and a last settlement
    settings.MESSAGE_HANDOFF_CHUNK = 4
    for n in range(12):
        MessageFactory(idempotency_key=f"k:{n}")
    # PostgreSQL: one statement per chunk, its own transaction (no BEGIN, no COMMIT): the
    # previous chunk's outcomes, this chunk's hand-off and the message_sent events in one
    # data-modifying CTE. Elsewhere BEGIN, the UPDATE, the INSERT of events (none yet in
    # the first chunk), COMMIT.
    chunks = 4 * 1 if connection.vendor == "postgresql" else 3 + 3 * 4

    # when
    with django_assert_num_queries(CLAIM_AND_GATES + chunks):
        summary = message_send_due(batch_size=100, worker="w1", purpose="transactional")

    # then: every one sent once, each with its attempt and its timeline event
    assert (summary.claimed, summary.counts) == (12, {"sent": 12})
    rows = Message.objects.values_list("state", "attempts", "claimed_by")
    assert set(rows) == {("sent", 1, "w1")}
    events = Event.objects.filter(kind="message_sent").values_list("payload__message_id", flat=True)
    assert sorted(events) == sorted(Message.objects.values_list("id", flat=True))
