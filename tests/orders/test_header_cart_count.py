"""The header's cart count reads and never writes; the merge waits for the cart pages."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Cart, CartLine
from orders.selectors import cart_count_for_header
from tests.factories import (
    StaffFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    stocked,
)

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def jars():
    warehouse = WarehouseFactory()
    channel_selling_from(warehouse, kind="web", code="web")
    jars = [VariantFactory(price_amount=Decimal(85000)) for _ in range(2)]
    for jar in jars:
        stocked(jar, warehouse, 10)
    return jars


@pytest.fixture
def shopper():
    customer = customer_with(email="toan@example.vn")
    user = StaffFactory(is_staff=False)
    customer.user = user
    customer.save(update_fields=["user"])
    return user


def _carts_then_login(client, shopper, *, mine, other):
    """The account's cart holds 1 of ``mine``; as a guest, 3 of ``mine`` and 2 of ``other``
    go in the session cart; then the shopper logs in."""
    client.force_login(shopper)
    client.post("/cart/add/", {"variant_id": mine.pk, "quantity": 1})
    client.logout()
    client.post("/cart/add/", {"variant_id": mine.pk, "quantity": 3})
    client.post("/cart/add/", {"variant_id": other.pk, "quantity": 2})
    client.force_login(shopper)


def test_a_page_after_login_shows_the_merged_count_and_writes_nothing(client, jars, shopper):
    # given: an account cart and a guest cart in the session, then a login
    mine, other = jars
    _carts_then_login(client, shopper, mine=mine, other=other)
    lines_before = sorted(CartLine.objects.values_list("cart_id", "variant_id", "quantity"))
    carts_before = sorted(Cart.objects.values_list("pk", "status", "user_id"))

    # when
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/")

    # then: the header counts what the merge will give (max 3 of A, 2 of B), nothing written
    assert page.status_code == 200
    assert '<span class="cart-count">5</span>' in page.content.decode()
    written = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert [sql for sql in written if "django_session" not in sql] == []
    assert sorted(CartLine.objects.values_list("cart_id", "variant_id", "quantity")) == (
        lines_before
    )
    assert sorted(Cart.objects.values_list("pk", "status", "user_id")) == carts_before
    assert "cart_token" in client.session


def test_the_cart_page_after_login_merges_and_shows_the_same_count(client, jars, shopper):
    # given
    mine, other = jars
    _carts_then_login(client, shopper, mine=mine, other=other)

    # when
    page = client.get("/cart/")

    # then
    assert '<span class="cart-count">5</span>' in page.content.decode()
    cart = Cart.objects.get(status=Cart.Status.OPEN)
    assert cart.user == shopper
    assert dict(cart.lines.values_list("variant_id", "quantity")) == {mine.pk: 3, other.pk: 2}
    assert Cart.objects.filter(status=Cart.Status.MERGED).count() == 1
    assert "cart_token" not in client.session


def test_the_count_of_a_guest_and_of_nobody(client, jars):
    # given: a guest with 2 in the cart
    client.post("/cart/add/", {"variant_id": jars[0].pk, "quantity": 2})
    token = client.session["cart_token"]

    # then
    assert cart_count_for_header(user=None, token=token) == 2
    assert cart_count_for_header(user=None, token=None) == 0
    assert not Cart.objects.filter(status=Cart.Status.MERGED).exists()
