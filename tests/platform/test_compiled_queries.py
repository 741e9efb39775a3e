"""A query compiled once answers every later call like its queryset, with the new values."""

import pytest
from django.db.models import Count, Q

from config.compiled import CompiledQuery
from customers.exceptions import CustomerNotFound
from customers.models import Customer
from customers.selectors import customer_get
from inventory.models import Location
from tests.factories import LocationFactory

STORES = CompiledQuery(
    lambda code: (
        Location.objects.filter(code=code)
        .annotate(channel_count=Count("channel_locations"))
        .order_by("pk")[:1]
    ),
    code="compiled: code",
)


@pytest.mark.django_db
def test_each_call_answers_with_its_own_values_as_the_queryset_would():
    # given: two stores, one of them linked to no channel
    first = LocationFactory(code="hg", name="Hàng Giấy")
    second = LocationFactory(code="lb", name="Long Biên")
    # when: the same compiled query runs for each code, and for one no store has
    found = {code: list(STORES.run(code=code)) for code in ("hg", "lb", "none")}
    # then: the same instances and annotations as the queryset, and nothing for the unknown
    assert [(s.pk, s.name, s.channel_count) for s in found["hg"]] == [(first.pk, "Hàng Giấy", 0)]
    assert [(s.pk, s.name) for s in found["lb"]] == [(second.pk, "Long Biên")]
    assert found["none"] == []
    assert found["hg"][0] == Location.objects.get(code="hg")


@pytest.mark.django_db
def test_a_query_it_cannot_map_or_a_sample_it_cannot_place_is_refused_at_once():
    joined = CompiledQuery(
        lambda pk: Customer.objects.select_related("merged_into").filter(pk=pk), pk=-1
    )
    # a store's "code" is stored in capitals: a lower-case sample never reaches the SQL
    lost = CompiledQuery(lambda code: Location.objects.filter(code=code.upper()), code="x")
    with pytest.raises(ValueError, match="select_related"):
        joined.run(pk=1)
    with pytest.raises(ValueError, match="does not reach the SQL unchanged"):
        lost.run(code="hg")


@pytest.mark.django_db
def test_a_value_used_in_several_places_is_replaced_in_each():
    LocationFactory(code="hg", name="Hàng Giấy")
    by_code_or_name = CompiledQuery(
        lambda term: Location.objects.filter(Q(code=term) | Q(name=term)), term="compiled: term"
    )
    assert [s.code for s in by_code_or_name.run(term="hg")] == ["hg"]
    assert [s.code for s in by_code_or_name.run(term="Hàng Giấy")] == ["hg"]
    assert list(by_code_or_name.run(term="Long Biên")) == []


@pytest.mark.django_db
def test_a_customer_id_past_any_row_is_not_found_rather_than_an_error():
    # given: a customer
    Customer.objects.create(full_name="Chị Lan")
    # then: ids no row can have are simply not found (SQLite cannot bind them at all)
    for pk in (2**63, -(2**70), 10**30):
        with pytest.raises(CustomerNotFound):
            customer_get(pk=pk)


@pytest.mark.django_db
def test_a_merged_customer_id_answers_with_the_survivor():
    survivor = Customer.objects.create(full_name="Chị Lan")
    tombstone = Customer.objects.create(full_name="Lan", merged_into=survivor)
    assert customer_get(pk=tombstone.pk) == survivor
    assert customer_get(pk=survivor.pk) == survivor
