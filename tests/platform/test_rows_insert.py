"""New rows of several tables in one statement: every row written with its key, or none."""

import json
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.inserts import rows_insert
from customers.models import Customer, Event, LoyaltyEntry


@pytest.mark.django_db
def test_rows_of_three_tables_are_written_with_their_keys_in_order():
    # given: a customer, two events and a loyalty entry not yet written
    customer = Customer.objects.create(full_name="Chị Lan")
    now = timezone.now()
    events = [
        Event(customer=customer, kind="order_placed", payload={"number": n}, occurred_at=now)
        for n in ("A-1", "A-2")
    ]
    entry = LoyaltyEntry(customer=customer, kind="earn", reference="order:A-1", points=65)
    # when: they are inserted together
    with CaptureQueriesContext(connection) as captured:
        rows_insert(events, [], [entry])
    # then: one statement on PostgreSQL (one per table elsewhere), each instance holds the
    # key of its own row, and the database fills its defaults
    assert len(captured) == (1 if connection.vendor == "postgresql" else 2)
    stored = {event.pk: event.payload["number"] for event in Event.objects.all()}
    assert stored == {events[0].pk: "A-1", events[1].pk: "A-2"}
    assert events[0].pk < events[1].pk
    assert LoyaltyEntry.objects.get(pk=entry.pk).points == 65
    assert all(not event._state.adding for event in [*events, entry])
    assert Event.objects.get(pk=events[0].pk).tx_id is not None


@pytest.mark.django_db
def test_one_bad_row_writes_nothing_of_any_table():
    # given: a loyalty entry whose reference is already in the ledger
    customer = Customer.objects.create(full_name="Chị Lan")
    LoyaltyEntry.objects.create(customer=customer, kind="earn", reference="order:A-1", points=1)
    event = Event(customer=customer, kind="order_placed", payload={}, occurred_at=timezone.now())
    twin = LoyaltyEntry(customer=customer, kind="earn", reference="order:A-1", points=1)
    # when: it is inserted with an event
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert([event], [twin])
    # then: the event was not written either
    assert Event.objects.count() == 0
    assert LoyaltyEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_rows_given_their_keys_keep_them_and_others_may_point_at_them():
    # given: a customer whose id is chosen beforehand, and an event pointing at it
    customer = Customer(pk=10_000, full_name="Chị Lan")
    event = Event(customer=customer, kind="order_placed", payload={}, occurred_at=timezone.now())
    # when: both are written in one transaction, which commits (foreign keys checked then)
    with transaction.atomic():
        rows_insert([customer], [event])
    # then: the customer holds that id and the event points at it
    assert Customer.objects.get(pk=10_000).full_name == "Chị Lan"
    assert Event.objects.get(pk=event.pk).customer_id == 10_000
    # and a batch mixing rows with and without keys is refused before anything is sent
    with pytest.raises(ValueError, match="every row its key, or none"):
        rows_insert([Customer(pk=10_001, full_name="A"), Customer(full_name="B")])


@pytest.mark.django_db
def test_a_value_computed_by_the_database_is_written_too():
    # given: an event whose time is the database's clock, not a value
    customer = Customer.objects.create(full_name="Chị Lan")
    event = Event(customer=customer, kind="order_placed", payload={"n": 1}, occurred_at=Now())
    # when
    rows_insert([event])
    # then: written, with the database's time
    stored = Event.objects.get(pk=event.pk)
    assert stored.occurred_at is not None and stored.payload == {"n": 1}


@pytest.mark.django_db
def test_values_of_every_kind_come_back_as_given():
    # given: a customer's event whose payload holds a Decimal, a time and accents
    customer = Customer.objects.create(full_name="Chị Lan")
    at = timezone.now().replace(microsecond=123456)
    payload = {"total": Decimal("655000"), "at": at, "note": "Khách quen", "lines": [1, 2]}
    event = Event(customer=customer, kind="order_placed", payload=payload, occurred_at=at)
    entry = LoyaltyEntry(customer=customer, kind="earn", reference="order:A-1", points=65)
    # when
    rows_insert([event], [entry])
    # then: the time to the microsecond, the payload as the field's own encoder writes it
    stored = Event.objects.get(pk=event.pk)
    assert stored.occurred_at == at
    assert stored.payload == json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    assert LoyaltyEntry.objects.get(pk=entry.pk).reference == "order:A-1"


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_text_too_long_for_its_column_is_refused_not_cut_and_nothing_is_written():
    # given: an event, and a loyalty entry whose reference is longer than its column
    customer = Customer.objects.create(full_name="Chị Lan")
    event = Event(customer=customer, kind="order_placed", payload={}, occurred_at=timezone.now())
    too_long = LoyaltyEntry(customer=customer, kind="earn", reference="x" * 500, points=1)
    # when / then
    with pytest.raises(DataError), transaction.atomic():
        rows_insert([event], [too_long])
    assert Event.objects.count() == 0
    assert LoyaltyEntry.objects.count() == 0
