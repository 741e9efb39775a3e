"""``event_record_many``: ``event_record``'s rows for many customers, one insert per chunk."""

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer, Event
from customers.selectors import EventCursor
from customers.services import event_record, event_record_many
from tests.customers.test_event_stream import drain
from tests.factories import CustomerFactory


@pytest.mark.django_db
def test_it_writes_the_rows_event_record_would_in_one_insert_per_chunk(
    django_assert_num_queries,
):
    # given
    customers = [CustomerFactory() for _ in range(5)]
    when = timezone.now()

    # when: 5 events in chunks of 2 → 3 INSERTs, nothing else
    with django_assert_num_queries(3):
        recorded = event_record_many(
            kind="message_sent",
            entries=[(customer, {"message_id": n}) for n, customer in enumerate(customers)],
            occurred_at=when,
            batch_size=2,
        )

    # then
    assert len(recorded) == 5
    rows = list(Event.objects.order_by("id").values_list("customer", "kind", "payload"))
    assert rows == [(c.pk, "message_sent", {"message_id": n}) for n, c in enumerate(customers)]
    assert set(Event.objects.values_list("occurred_at", flat=True)) == {when}


@pytest.mark.django_db
def test_a_merged_away_profiles_event_lands_on_the_surviving_profile():
    # given
    survivor, merged, other = CustomerFactory(), CustomerFactory(), CustomerFactory()
    Customer.objects.filter(pk=merged.pk).update(merged_into=survivor, merged_at=timezone.now())
    merged.refresh_from_db()

    # when
    event_record_many(kind="message_sent", entries=[(merged, {"n": 1}), (other, {"n": 2})])

    # then
    assert sorted(Event.objects.values_list("customer", "payload")) == sorted(
        [(survivor.pk, {"n": 1}), (other.pk, {"n": 2})]
    )


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_and_nothing_is_written():
    with pytest.raises(ValueError, match="Unknown event kind 'sent'"):
        event_record_many(kind="sent", entries=[(CustomerFactory(), {})])

    assert not Event.objects.exists()


@pytest.mark.django_db
def test_the_events_roll_back_with_the_callers_transaction():
    customer = CustomerFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        event_record_many(kind="message_sent", entries=[(customer, {}), (customer, {})])
        raise RuntimeError("the batch failed")

    assert not Event.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_rows_carry_the_inserting_transactions_id_and_stream_once():
    # given: one transaction recording one event alone and three in bulk; then another
    customer = CustomerFactory()
    with transaction.atomic():
        alone = event_record(customer=customer, kind="message_sent")
        many = event_record_many(kind="message_sent", entries=[(customer, {})] * 3)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            [[tx_id]] = cursor.fetchall()
    later = event_record(customer=customer, kind="message_sent")

    # then: the bulk rows have the transaction's id (the column's default), like event_record
    tx_ids = dict(Event.objects.values_list("pk", "tx_id"))
    assert {tx_ids[event.pk] for event in [alone, *many]} == {tx_id}
    assert tx_ids[later.pk] > tx_id
    # and the timeline's cursor hands each out once, in order
    walked, _cursor = drain(EventCursor.start(), until=5)
    assert walked == [alone.pk, *(event.pk for event in many), later.pk]


@pytest.mark.django_db
def test_without_returning_the_same_rows_in_one_insert_per_chunk(django_assert_num_queries):
    # given: a merged-away profile among them
    survivor, merged, other = CustomerFactory(), CustomerFactory(), CustomerFactory()
    Customer.objects.filter(pk=merged.pk).update(merged_into=survivor, merged_at=timezone.now())
    merged.refresh_from_db()
    when = timezone.now()
    entries = [(other, {"n": 1, "at": when}), (merged, {"n": 2}), (other, {})]

    # when: 3 events in chunks of 2 → 2 INSERTs, no look-up of the survivor
    with django_assert_num_queries(2):
        recorded = event_record_many(
            kind="message_sent", entries=entries, occurred_at=when, batch_size=2, returning=False
        )

    # then: what bulk_create would have written (payload encoded by the field's encoder)
    assert recorded == []
    rows = list(Event.objects.order_by("id").values_list("customer", "kind", "payload"))
    assert rows == [
        (other.pk, "message_sent", {"n": 1, "at": DjangoJSONEncoder().default(when)}),
        (survivor.pk, "message_sent", {"n": 2}),
        (other.pk, "message_sent", {}),
    ]
    assert set(Event.objects.values_list("occurred_at", flat=True)) == {when}
    assert Event.objects.filter(channel=None, location=None, recorded_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_without_returning_an_unknown_kind_is_refused_and_nothing_is_written():
    with pytest.raises(ValueError, match="Unknown event kind 'sent'"):
        event_record_many(kind="sent", entries=[(CustomerFactory(), {})], returning=False)

    assert not Event.objects.exists()
