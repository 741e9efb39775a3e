import random
import threading
import time

import pytest
from django.db import connection, transaction

from customers.models import AppendOnlyError, Event
from customers.selectors import EventCursor, event_stream
from customers.services import event_record
from tests.factories import CustomerFactory


def drain(cursor: EventCursor, *, until: int, timeout: float = 60) -> tuple[list[int], EventCursor]:
    """Walk until ``until`` events were handed out.

    PostgreSQL's transaction ids are cluster-wide: a transaction open in another database
    of the same server (another test run) holds the horizon back for a moment. Events are
    then delivered late, never skipped, so the consumer keeps polling, as a real one does.
    """
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while len(seen) < until and time.monotonic() < deadline:
        more, cursor = walk(cursor)
        seen += more
        if len(seen) < until:
            time.sleep(0.01)
    return seen, cursor


def walk(cursor: EventCursor, batch: int = 7) -> tuple[list[int], EventCursor]:
    seen = []
    while True:
        events = list(event_stream(after=cursor)[:batch])
        if not events:
            return seen, cursor
        seen += [event.pk for event in events]
        cursor = EventCursor.after(events[-1])


@pytest.mark.django_db
def test_events_are_recorded_in_the_callers_transaction():
    customer = CustomerFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(customer=customer, kind="order_placed", payload={"number": "WEB-1"})
        raise RuntimeError("the order failed")

    assert not Event.objects.exists()


# transaction=True: on PostgreSQL events of a transaction still open (the test's own, in a
# plain django_db test) are rightly held back.
@pytest.mark.django_db(transaction=True)
def test_walking_by_cursor_returns_every_event_once_in_order():
    customer = CustomerFactory()
    recorded = [
        event_record(customer=customer, kind="product_viewed", payload={"variant_id": n}).pk
        for n in range(20)
    ]

    seen, cursor = drain(EventCursor.start(), until=len(recorded))
    more, _ = walk(cursor)

    assert seen == recorded
    assert more == []
    assert EventCursor.parse(str(cursor)) == cursor


@pytest.mark.django_db
def test_events_are_append_only():
    event = event_record(customer=CustomerFactory(), kind="cart_updated")

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_transaction_is_not_skipped():
    """The classic trap: an id taken early, committed late. "id > last id" would skip it."""
    customer = CustomerFactory()
    inserted = threading.Event()
    release = threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                event_record(customer=customer, kind="order_placed", payload={"slow": True})
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    inserted.wait(10)
    fast = event_record(customer=customer, kind="order_placed", payload={"slow": False})

    # while the slow one is open, nothing at or after it is handed out
    seen, cursor = walk(EventCursor.start())
    naive_last_id = fast.pk  # a naive consumer has now seen the fast one
    assert seen == []

    release.set()
    writer.join()
    seen, cursor = drain(cursor, until=2)
    slow = Event.objects.get(payload__slow=True)
    assert seen == [slow.pk, fast.pk]
    assert slow.pk < naive_last_id  # which a naive "id > last" consumer would have skipped


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_a_consumer_sees_every_event_exactly_once():
    # given
    customer = CustomerFactory()
    writers, per_writer = 8, 25
    stop = threading.Event()
    consumed: list[int] = []
    errors: list[BaseException] = []

    def writer(seed):
        rng = random.Random(seed)
        try:
            for n in range(per_writer):
                with transaction.atomic():
                    event_record(
                        customer=customer, kind="cart_updated", payload={"w": seed, "n": n}
                    )
                    if rng.random() < 0.5:
                        event_record(customer=customer, kind="checkout_started")
                    # Slow transactions: commits land in a different order than ids.
                    time.sleep(rng.random() * 0.02)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    def consumer():
        cursor = EventCursor.start()
        deadline = None
        try:
            while True:
                if stop.is_set() and deadline is None:
                    deadline = time.monotonic() + 60
                batch = list(event_stream(after=cursor)[:13])
                consumed.extend(event.pk for event in batch)
                if batch:
                    cursor = EventCursor.after(batch[-1])
                elif deadline is not None and (
                    len(consumed) >= Event.objects.count() or time.monotonic() > deadline
                ):
                    return  # every writer is done and everything was handed out
                else:
                    time.sleep(0.001)
        finally:
            connection.close()

    # when
    reader = threading.Thread(target=consumer)
    reader.start()
    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    reader.join()

    # then
    assert errors == []
    all_ids = list(Event.objects.values_list("pk", flat=True))
    assert len(all_ids) >= writers * per_writer
    assert len(consumed) == len(set(consumed)), "an event was delivered twice"
    assert sorted(consumed) == sorted(all_ids), "an event was skipped"
