"""The till's two lookups, one rule each: the cashier is an active staff account; the
store's POS channel is its active one."""

import pytest

from config.roles import CASHIER
from inventory.models import SalesChannel
from orders.exceptions import CashierNotAllowed
from orders.selectors import pos_cashier_get, pos_channel_get
from tests.factories import LocationFactory, StaffFactory, channel_selling_from, terminal_with_token

pytestmark = pytest.mark.django_db


def test_cashier_is_an_active_staff_member():
    # given
    terminal, _token = terminal_with_token()
    cashier = StaffFactory(role=CASHIER)

    # when
    found = pos_cashier_get(terminal=terminal, cashier_id=cashier.pk)

    # then
    assert found == cashier


@pytest.mark.parametrize(
    "account", [{"is_staff": False}, {"is_active": False}], ids=["not-staff", "inactive"]
)
def test_cashier_that_is_not_active_staff_is_refused_naming_the_field(account):
    # given
    terminal, _token = terminal_with_token()
    user = StaffFactory(**account)

    # when
    with pytest.raises(CashierNotAllowed) as refused:
        pos_cashier_get(terminal=terminal, cashier_id=user.pk)

    # then
    assert refused.value.fields == {"cashier_id": ["No active staff member has this id."]}


def test_unknown_cashier_id_is_refused():
    terminal, _token = terminal_with_token()

    with pytest.raises(CashierNotAllowed):
        pos_cashier_get(terminal=terminal, cashier_id=987654)


def test_shift_open_by_an_active_non_staff_account_is_refused_like_an_unknown_one(client):
    # given: an active account that is not staff
    terminal, token = terminal_with_token()
    user = StaffFactory(is_staff=False)

    # when
    response = client.post(
        "/api/v1/pos/shifts/",
        {
            "client_uuid": "5b0c1f0e-2a64-4f57-9d55-2a3d8e2c1a01",
            "cashier_id": user.pk,
            "pin": "2468",
            "opening_float_amount": "0",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "cashier_not_allowed"
    assert response.json()["fields"] == {"cashier_id": ["No active staff member has this id."]}
    assert not terminal.shifts.exists()


def test_channel_is_the_stores_active_pos_channel():
    # given: the store has an inactive POS channel, an active one, and a web channel
    store = LocationFactory()
    channel_selling_from(store, kind=SalesChannel.Kind.POS, code="pos-old", is_active=False)
    active = channel_selling_from(store, kind=SalesChannel.Kind.POS, code="pos-new")
    channel_selling_from(store, kind=SalesChannel.Kind.WEB)
    terminal, _token = terminal_with_token(location=store)

    # when
    channel = pos_channel_get(terminal=terminal)

    # then
    assert channel == active


def test_channel_is_none_when_the_store_has_no_active_pos_channel():
    store = LocationFactory()
    channel_selling_from(store, kind=SalesChannel.Kind.POS, is_active=False)
    terminal, _token = terminal_with_token(location=store)

    assert pos_channel_get(terminal=terminal) is None


# --- The till's product look-up (issue 16): a UNION of index reads, the same answers ------


@pytest.fixture
def pos_catalog():
    from decimal import Decimal

    from inventory.services import product_upsert, variant_upsert

    coffee = product_upsert(slug="ca-phe-sua-da", name="Cà phê sữa đá", name_en="Iced milk coffee")
    variant_upsert(
        product=coffee, sku="CPSD-250", price_amount=Decimal(45000), barcode="8930000000019"
    )
    tea = product_upsert(slug="tra-sen", name="Trà sen Tây Hồ")
    variant_upsert(product=tea, sku="TRA-SEN-100", price_amount=Decimal(120000))
    return coffee, tea


def _pos_found(client, token, **params) -> list[str]:
    response = client.get("/api/v1/pos/products/", params, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("Cà phê", ["Cà phê sữa đá"]),  # the name as written
        ("ca phe sua", ["Cà phê sữa đá"]),  # folded words
        ("sua ca", ["Cà phê sữa đá"]),  # any order
        ("milk coffee", ["Cà phê sữa đá"]),  # the English name
        ("cpsd-250", ["Cà phê sữa đá"]),  # a SKU in any case
        ("8930000000019", ["Cà phê sữa đá"]),  # a barcode
        ("tra", ["Trà sen Tây Hồ"]),
        ("a", ["Cà phê sữa đá", "Trà sen Tây Hồ"]),  # both, in name order
        ("tra cafe", []),
        ("-", []),
    ],
)
def test_pos_product_lookup_by_text_sku_or_barcode(client, pos_catalog, term, found):
    # given
    _terminal, token = terminal_with_token()

    # when / then
    assert _pos_found(client, token, q=term) == found


def test_a_product_matching_by_several_parts_is_listed_once(client, pos_catalog):
    # given: "tra-sen-100" is its SKU, in its folded text and part of no name
    _terminal, token = terminal_with_token()

    # when / then
    assert _pos_found(client, token, q="TRA-SEN-100") == ["Trà sen Tây Hồ"]


def _plan(queryset) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        # The planner told to prefer an index wherever one can serve: a part no index can
        # serve still shows as a sequential scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.mark.postgres
def test_postgresql_serves_the_pos_text_lookup_from_indexes(pos_catalog):
    from inventory.selectors import product_search_list

    # when
    plan = _plan(product_search_list(params={"q": "ca phe"}))

    # then: every part of the search reads an index, none scans a table
    assert "Seq Scan" not in plan, plan
    for index in (
        "inventory_product_search_trgm",
        "inventory_product_name_trgm",
        "inventory_product_name_en_trgm",
        "inventory_variant_skuupper_idx",
    ):
        assert index in plan, plan


@pytest.mark.postgres
def test_postgresql_finds_a_sku_in_any_case_from_its_upper_index(pos_catalog):
    from django.db.models.functions import Upper

    from inventory.models import Variant

    # when: the goods receipt's look-up (Upper("sku")) and sku__iexact (the till, phone orders)
    plans = [
        _plan(Variant.objects.alias(upper=Upper("sku")).filter(upper__in=["CPSD-250"])),
        _plan(Variant.objects.filter(sku__iexact="cpsd-250")),
    ]

    # then
    for plan in plans:
        assert "inventory_variant_skuupper_idx" in plan, plan
