from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import Variant
from tests.factories import LocationFactory, VariantFactory, terminal_with_token


@pytest.fixture
def api():
    _terminal, token = terminal_with_token(location=LocationFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def age(variants, seconds):
    """Pretend these variants last changed ``seconds`` ago (past the sync's lag window)."""
    Variant.objects.filter(pk__in=[v.pk for v in variants]).update(
        updated_at=timezone.now() - timedelta(seconds=seconds)
    )


def walk(api, limit, since=""):
    seen, pages = [], 0
    while True:
        body = api.get("/api/v1/pos/catalog/", {"since": since, "limit": limit}).json()
        seen += [row["sku"] for row in body["results"]]
        since, pages = body["next_since"], pages + 1
        if not body["has_more"]:
            return seen, since, pages


@pytest.mark.django_db
def test_a_till_walks_the_whole_catalog_page_by_page_exactly_once(api):
    variants = [VariantFactory(price_amount=Decimal(1000 + n)) for n in range(25)]
    age(variants, 3600)

    seen, since, pages = walk(api, limit=10)

    assert sorted(seen) == sorted(v.sku for v in variants)
    assert len(seen) == len(set(seen))
    assert pages == 3
    # nothing changed since: the next sync is empty
    assert api.get("/api/v1/pos/catalog/", {"since": since}).json()["results"] == []


@pytest.mark.django_db
def test_a_price_change_comes_through_the_next_sync(api):
    jar, beef = VariantFactory(sku="MK-100G"), VariantFactory(sku="TT-1KG")
    age([jar, beef], 3600)
    _seen, since, _pages = walk(api, limit=100)

    # when: the price of one changes (and the change has aged past the lag window)
    jar.price_amount = Decimal(99000)
    jar.save()
    age([jar], 120)

    body = api.get("/api/v1/pos/catalog/", {"since": since}).json()
    assert [(row["sku"], row["price_amount"]) for row in body["results"]] == [("MK-100G", "99000")]


@pytest.mark.django_db
def test_recent_changes_are_sent_again_until_they_are_old_enough(api):
    VariantFactory(sku="NEW-1")

    first = api.get("/api/v1/pos/catalog/").json()
    again = api.get("/api/v1/pos/catalog/", {"since": first["next_since"]}).json()

    assert [row["sku"] for row in first["results"]] == ["NEW-1"]
    assert [row["sku"] for row in again["results"]] == ["NEW-1"]
    assert first["has_more"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"since": "yesterday"}, {"limit": "0"}, {"limit": "x"}])
def test_a_bad_cursor_or_limit_is_a_400_naming_it(api, params):
    response = api.get("/api/v1/pos/catalog/", params)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == list(params)


@pytest.mark.django_db
def test_each_page_is_a_bounded_number_of_queries(api, django_assert_max_num_queries):
    age([VariantFactory() for _ in range(30)], 3600)

    with django_assert_max_num_queries(4):
        response = api.get("/api/v1/pos/catalog/", {"limit": 30})

    assert len(response.json()["results"]) == 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": " 1700000000000000.1"}, "since"),
        ({"since": "1700000000000000.1\n"}, "since"),
        ({"since": "١٧.١"}, "since"),
        ({"since": "99999999999999999.1"}, "since"),
        ({"since": "1.9999999999999999999"}, "since"),
        ({"limit": " 5"}, "limit"),
        ({"limit": "٥"}, "limit"),
        ({"limit": "5001"}, "limit"),
    ],
)
def test_a_cursor_or_limit_outside_the_documented_pattern_is_a_400(api, params, field):
    # when: what the schema calls invalid (spaces, non-ASCII digits, out of range)
    response = api.get("/api/v1/pos/catalog/", params)

    # then
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


@pytest.mark.django_db
def test_the_lean_page_is_the_serializers_json(api):
    # given: variants with and without a barcode, one of a product taken off sale, prices
    # with and without a fraction (twice the same), change times with and without microseconds
    from orders.api.serializers import CatalogVariantOutput

    prices = [Decimal("12.50"), Decimal(99000), Decimal(99000)]
    variants = [VariantFactory(price_amount=price) for price in prices]
    Variant.objects.filter(pk=variants[0].pk).update(barcode=None)
    variants[1].product.is_active = False
    variants[1].product.save(update_fields=["is_active"])
    age(variants, 3600)
    # one changed on a whole second (no fraction in its stored time)
    on_the_second = (timezone.now() - timedelta(hours=2)).replace(microsecond=0)
    Variant.objects.filter(pk=variants[2].pk).update(updated_at=on_the_second)

    # when
    body = api.get("/api/v1/pos/catalog/", {"limit": 10}).json()

    # then
    stored = Variant.objects.select_related("product").order_by("updated_at", "id")
    assert body["results"] == [dict(CatalogVariantOutput(v).data) for v in stored]
    assert body["results"][0]["id"] == variants[2].pk
    assert [row["price_amount"] for row in body["results"]] == ["99000", "12.5", "99000"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_starts_each_page_at_the_cursor_in_the_index():
    from django.db import connection

    from inventory.selectors import variant_sync_rows

    # given: a cursor halfway through the catalog
    variants = [VariantFactory() for _ in range(4)]
    age(variants, 3600)
    middle = Variant.objects.order_by("updated_at", "id")[1]

    # when
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = variant_sync_rows(after=(middle.updated_at, middle.pk))[:5].explain()

    # then: the keyset is the index's range condition, not a filter over every entry before it
    assert "inventory_variant_sync_idx" in plan, plan
    condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "updated_at >=" in condition, plan
