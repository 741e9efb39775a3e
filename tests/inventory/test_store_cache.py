"""The store pages' cache (inventory/store_cache.py): catalog edits show at once, stock within
the stated bound, nothing of one shopper reaches another, each language cached apart."""

import re
from datetime import timedelta
from decimal import Decimal

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.models import Review
from customers.services import review_moderate
from inventory.services import category_upsert, product_upsert, stock_adjust, variant_upsert
from inventory.store_cache import stock_seconds
from tests.inventory import test_store_pages
from tests.inventory.test_store_pages import english, html, review, shopper_with_a_cart

store = test_store_pages.store  # the fixture: a catalog with stock, two shops and the web

PRODUCT = "/p/trau-gac-bep/"
CATEGORY = "/c/thit-gac-bep/"


def committed(django_capture_on_commit_callbacks, change):
    """Runs ``change`` as a committed transaction would: its on-commit hooks run."""
    with django_capture_on_commit_callbacks(execute=True):
        return change()


def test_a_cached_product_page_reads_nothing_from_the_database_for_a_guest(
    client, store, django_assert_num_queries
):
    # given: the page was seen once
    client.get(PRODUCT)

    # when / then: the same page again is served from the cache
    with django_assert_num_queries(0):
        response = Client().get(PRODUCT)
    assert response.status_code == 200
    assert "250.000" in html(response)


def test_a_cached_category_page_reads_nothing_from_the_database_for_a_guest(
    client, store, django_assert_num_queries
):
    client.get(CATEGORY)

    with django_assert_num_queries(0):
        response = Client().get(CATEGORY)

    assert response.status_code == 200
    assert "Thịt trâu gác bếp" in html(response)


def test_a_price_change_shows_at_once(client, store, django_capture_on_commit_callbacks):
    # given: both pages cached with the old price
    assert "250.000" in html(client.get(PRODUCT))
    assert "250.000" in html(client.get(CATEGORY))

    # when: the price changes through the catalog service
    committed(
        django_capture_on_commit_callbacks,
        lambda: variant_upsert(
            product=store.buffalo, sku="TRAU-250", price_amount=Decimal(199000), name="250 g"
        ),
    )

    # then: no second of the old price
    assert "199.000" in html(client.get(PRODUCT))
    assert "199.000" in html(client.get(CATEGORY))


def test_an_edit_rolled_back_leaves_the_cache_alone(
    client, store, django_capture_on_commit_callbacks, django_assert_num_queries
):
    # given
    client.get(PRODUCT)

    # when: the transaction never commits (its on-commit hooks are dropped)
    with django_capture_on_commit_callbacks(execute=False) as hooks:
        product_upsert(slug="trau-gac-bep", name="Thịt trâu", category=store.smoked)

    # then: the hook was the cache's bump, and not run the page is still the cached one
    assert len(hooks) == 1
    with django_assert_num_queries(0):
        Client().get(PRODUCT)


def test_a_renamed_category_shows_at_once(client, store, django_capture_on_commit_callbacks):
    client.get(CATEGORY)
    client.get(PRODUCT)

    committed(
        django_capture_on_commit_callbacks,
        lambda: category_upsert(slug="thit-gac-bep", name="Thịt hun khói", parent=store.food),
    )

    assert "<h1>Thịt hun khói</h1>" in html(client.get(CATEGORY))
    assert "Thịt hun khói</a></li>" in html(client.get(PRODUCT))  # the breadcrumbs


def test_an_approved_review_shows_at_once(client, store, django_capture_on_commit_callbacks):
    pending = review(store.buffalo, 4, status=Review.Status.PENDING, text="Ngon lắm")
    assert "Ngon lắm" not in html(client.get(PRODUCT))

    committed(
        django_capture_on_commit_callbacks,
        lambda: review_moderate(review=pending, status=Review.Status.APPROVED, actor=None),
    )

    assert "Ngon lắm" in html(client.get(PRODUCT))


def online_label(response, sku: str) -> str:
    # The online stock label of one variant on the product page.
    page = html(response)
    variant = page[page.index(f"SKU {sku}") :]
    return re.search(r'class="stock [^"]*">([^<]*)<', variant).group(1)


def test_a_stock_change_shows_within_the_stated_bound(client, store):
    # given: 23 of the 250 g online (20 in the warehouse, 3 at Hàng Giấy), page cached
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert online_label(client.get(PRODUCT), "TRAU-250") == "Còn hàng"

        # when: all but two are written off (no catalog edit: nothing is invalidated)
        stock_adjust(location=store.warehouse, sku="TRAU-250", quantity=-20, reason="vỡ")
        stock_adjust(location=store.hang_giay, sku="TRAU-250", quantity=-1, reason="vỡ")

        # then: the label may lag, but no longer than the bound
        assert online_label(client.get(PRODUCT), "TRAU-250") == "Còn hàng"
    with time_machine.travel(start + timedelta(seconds=stock_seconds() + 1), tick=False):
        assert online_label(client.get(PRODUCT), "TRAU-250") == "Còn 2 sản phẩm"


def test_a_shopper_never_sees_another_shoppers_header_or_forms(client, store):
    # given: a logged-in shopper with a cart sees the page first (it is cached then)
    shopper_with_a_cart(client, store.small)
    first = html(client.get(PRODUCT))
    assert '<span class="cart-count">1</span>' in first
    assert "Add to wishlist" in first or "Thêm vào danh sách" in first
    their_tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', first))

    # when: a guest asks for the same page, served from the cache
    guest = Client()
    second = html(guest.get(PRODUCT))

    # then: the guest's own header, forms and tokens, none of the shopper's
    assert '<span class="cart-count">0</span>' in second
    assert 'class="add-to-wishlist"' not in second
    assert reverse("customers:login") in second
    guest_tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', second))
    assert guest_tokens and not guest_tokens & their_tokens


def test_a_guest_first_then_a_shopper_gets_their_own_forms(client, store):
    # given: a guest filled the cache
    Client().get(PRODUCT)

    # when
    shopper_with_a_cart(client, store.small)
    page = html(client.get(PRODUCT))

    # then
    assert '<span class="cart-count">1</span>' in page
    assert 'class="add-to-wishlist"' in page
    assert "?product=" in page and 'class="button"' in page  # "Write a review"


def test_each_language_is_cached_apart(client, store):
    # given: the Vietnamese page cached
    assert "Thịt trâu gác bếp" in html(client.get(PRODUCT))
    assert "<h1>Thịt gác bếp</h1>" in html(client.get(CATEGORY))

    # when / then: the English one is not that one
    shopper = english(Client())
    assert "Smoked buffalo meat" in html(shopper.get(PRODUCT))
    assert "<h1>Smoked meats</h1>" in html(shopper.get(CATEGORY))
    # and the Vietnamese one stays Vietnamese
    assert "Thịt trâu gác bếp" in html(Client().get(PRODUCT))


def test_a_filtered_page_is_not_the_unfiltered_one(client, store):
    client.get("/")
    page = html(client.get("/?min_price=1000000"))
    assert "Mắc khén rừng" not in page
    assert "Thịt trâu gác bếp" in page


def test_an_unknown_product_stays_a_404_when_cached(client, store):
    assert client.get("/p/khong-co/").status_code == 404
    assert client.get("/p/khong-co/").status_code == 404
