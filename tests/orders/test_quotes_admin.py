"""Quotes in the admin (issue 14): a store's staff build a draft with its lines, send it,
withdraw it; a sent quote's promise stays as it was."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from config.roles import CASHIER, STORE_MANAGER, WAREHOUSE
from orders.models import Quote, QuoteLine
from orders.services.quotes import QuoteLineInput, quote_create
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    customer_with,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/quote/"


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def world():
    store = LocationFactory(name="Value City Cầu Giấy")
    fridge = VariantFactory(sku="TL-200", price_amount=Decimal(9_000_000))
    customer = customer_with(phone="+84909908089", full_name="Chị Mai")
    return store, fridge, customer


def add_form(store, fridge, customer, **overrides):
    expires = timezone.localtime(timezone.now() + timedelta(days=5))
    return {
        "customer": customer.pk,
        "location": store.pk,
        "discount_amount": "100000",
        "expires_at_0": expires.strftime("%Y-%m-%d"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
        "note": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-variant": fridge.pk,
        "lines-0-quantity": "2",
        "lines-0-unit_price_amount": "8000000",
        **overrides,
    }


def a_quote(store, fridge, customer, send=False, discount=0):
    return quote_create(
        customer=customer,
        location=store,
        lines=[QuoteLineInput(sku=fridge.sku, quantity=1, unit_price_amount=Decimal(8_000_000))],
        discount_amount=Decimal(discount),
        send=send,
    )


def test_a_store_manager_builds_a_draft_with_its_lines_then_sends_it(client, world):
    store, fridge, customer = world
    manager = StaffFactory(role=STORE_MANAGER, stores=[store])
    client.force_login(manager)

    # when: the add page with one line, then the send action
    response = client.post(f"{CHANGELIST}add/", add_form(store, fridge, customer))
    assert response.status_code == 302, response.content.decode()[:3000]
    quote = Quote.objects.get()
    sent = client.post(CHANGELIST, {"action": "send", "_selected_action": [quote.pk]}, follow=True)

    # then
    quote.refresh_from_db()
    assert quote.number == f"BG-{quote.pk:06d}"
    assert (quote.created_by, quote.status) == (manager, Quote.Status.SENT)
    assert quote.total_amount == Decimal(15_900_000)
    assert list(quote.lines.values_list("quantity", "unit_price_amount")) == [
        (2, Decimal(8_000_000))
    ]
    assert "1 quote(s) sent." in sent.content.decode()


def test_a_discount_above_the_lines_is_refused_at_sending_and_the_draft_stays(client, world):
    store, fridge, customer = world
    quote = a_quote(store, fridge, customer)
    Quote.objects.filter(pk=quote.pk).update(discount_amount=Decimal(9_000_000))
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[store]))

    response = client.post(
        CHANGELIST, {"action": "send", "_selected_action": [quote.pk]}, follow=True
    )

    assert "Between 0 and the lines&#x27; total (8000000)." in response.content.decode()
    assert Quote.objects.get().status == Quote.Status.DRAFT


def test_a_sent_quotes_prices_cannot_be_changed(client, world):
    store, fridge, customer = world
    quote = a_quote(store, fridge, customer, send=True)
    line = quote.lines.get()
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[store]))

    client.post(
        f"{CHANGELIST}{quote.pk}/change/",
        {
            "discount_amount": "5000000",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "1",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-id": line.pk,
            "lines-0-quote": quote.pk,
            "lines-0-variant": fridge.pk,
            "lines-0-quantity": "1",
            "lines-0-unit_price_amount": "1",
        },
    )

    quote.refresh_from_db()
    assert quote.discount_amount == Decimal(0)
    assert QuoteLine.objects.get().unit_price_amount == Decimal(8_000_000)


def test_a_cashier_withdraws_a_quote_of_their_store(client, world):
    store, fridge, customer = world
    quote = a_quote(store, fridge, customer, send=True)
    client.force_login(StaffFactory(role=CASHIER, stores=[store]))

    client.post(CHANGELIST, {"action": "cancel", "_selected_action": [quote.pk]})

    assert Quote.objects.get().status == Quote.Status.CANCELLED


def test_warehouse_staff_are_not_offered_sending_and_a_forged_post_changes_nothing(client, world):
    store, fridge, customer = world
    quote = a_quote(store, fridge, customer)
    client.force_login(StaffFactory(role=WAREHOUSE, stores=[store]))

    page = client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, {"action": "send", "_selected_action": [quote.pk]})

    assert 'value="send"' not in page
    assert Quote.objects.get().status == Quote.Status.DRAFT


def test_a_validity_in_the_past_is_a_form_error_and_nothing_is_written(client, world):
    store, fridge, customer = world
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[store]))
    past = timezone.localtime(timezone.now() - timedelta(days=1))

    response = client.post(
        f"{CHANGELIST}add/",
        add_form(
            store,
            fridge,
            customer,
            expires_at_0=past.strftime("%Y-%m-%d"),
            expires_at_1=past.strftime("%H:%M:%S"),
        ),
    )

    assert response.status_code == 200
    assert "The validity must end in the future." in response.content.decode()
    assert not Quote.objects.exists()


@pytest.mark.parametrize("count", [1, 15])
def test_the_quote_list_takes_the_same_queries_for_1_or_15_quotes(
    client, world, count, django_assert_max_num_queries
):
    store, fridge, customer = world
    for _ in range(count):
        a_quote(store, fridge, customer, send=True)
    client.force_login(StaffFactory(role="owner"))

    with django_assert_max_num_queries(14):
        response = client.get(CHANGELIST)

    assert response.status_code == 200


def test_a_line_of_zero_is_a_form_error_not_a_crash(client, world):
    store, fridge, customer = world
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[store]))

    response = client.post(
        f"{CHANGELIST}add/", add_form(store, fridge, customer, **{"lines-0-quantity": "0"})
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert not Quote.objects.exists()
