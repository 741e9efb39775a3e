"""Who may open which door: every admin screen and action, for every role, with an object
of their own store and of another; every POS endpoint with own and other store objects
(issue 11, DESIGN invariant 11).

The expected answers are the tables below, read as text. Every staff member of a scoped
role works at store A (``StaffMembership``); "own" is an object of store A, "other" one of
store B. A store-bound object of another store is a 404 (it does not exist for them), a
screen their role may not see is a 403.

**Adding a door.** A newly registered admin, action or POS URL that has no row here makes
``test_every_door_has_a_row`` fail: add its row to the table (and, for an admin, a
builder to ``OBJECTS`` saying how to make one of its rows at a location).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import (
    Attribution,
    CallListCustomer,
    CallTask,
    ConsumerCursor,
    DoNotCall,
    Flow,
    FlowEnrolment,
    MessageActivity,
    MessageLink,
    Suppression,
)
from config.audit import audit_record
from config.roles import CASHIER, OWNER, ROLES, STORE_MANAGER, WAREHOUSE
from customers.models import (
    ConsentRecord,
    CustomerMerge,
    LoyaltyEntry,
    MergeSuggestion,
    Review,
    WishlistItem,
)
from customers.services import event_record
from inventory.models import (
    GoodsReceipt,
    StaffMembership,
    StockDiscrepancy,
    StockMovement,
    Supplier,
)
from inventory.services import (
    ReceiptLine,
    StockLine,
    goods_receipt_post,
    stock_reserve,
    stock_transfer_dispatch,
)
from orders.marketplaces.models import (
    HeldOrder,
    Listing,
    MarketplaceShop,
    StockSyncLog,
    WebhookEvent,
)
from orders.models import Bundle, PriceDiscrepancy, Shift, VoucherCode, VoucherRedemption
from orders.services import (
    cart_get_or_create,
    cart_line_set,
    checkout_start,
    order_place,
    order_ready_for_pickup,
    voucher_codes_generate,
)
from orders.services.quotes import QuoteLineInput, quote_create
from orders.services.shipping import shipping_rule_upsert
from tests.factories import (
    CategoryFactory,
    LocationFactory,
    MessageFactory,
    MessageTemplateFactory,
    ProductFactory,
    StaffFactory,
    VariantFactory,
    VoucherFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    order_minimal,
    stocked,
    terminal_with_token,
)

pytestmark = pytest.mark.django_db


def _table(text: str) -> dict[str, list[str]]:
    """``key  cell  cell …`` lines (after a header line) → {key: [cell, …]}."""
    lines = [line.split() for line in text.strip().splitlines()[1:] if line.strip()]
    return {cells[0]: cells[1:] for cells in lines}


# --- Admin pages ---------------------------------------------------------------------------
# Each cell: list / own object's page / other store's object's page. "-" where the model is
# shared by every store (one object: there is no other store's).
PAGES = _table("""
model                       owner        store_manager  cashier      warehouse    marketer
auth.Group                  200/200/-    403/403/-      403/403/-    403/403/-    403/403/-
auth.User                   200/200/-    403/403/-      403/403/-    403/403/-    403/403/-
inventory.Location          200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
inventory.StaffMembership   200/200/200  200/200/404    403/403/403  403/403/403  403/403/403
inventory.SalesChannel      200/200/-    200/200/-      200/200/-    200/200/-    200/200/-
inventory.Category          200/200/-    200/200/-      200/200/-    200/200/-    200/200/-
inventory.Product           200/200/-    200/200/-      200/200/-    200/200/-    200/200/-
inventory.Variant           200/200/-    200/200/-      200/200/-    200/200/-    200/200/-
inventory.StockLevel        200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
inventory.StockMovement     200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
inventory.Reservation       200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
inventory.StockDiscrepancy  200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
inventory.StockTransfer     200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
inventory.GoodsReceipt      200/200/200  200/200/404    403/403/403  200/200/404  403/403/403
inventory.Supplier          200/200/-    200/200/-      403/403/-    200/200/-    403/403/-
customers.Customer          200/200/-    200/200/-      200/200/-    403/403/-    200/200/-
customers.MergeSuggestion   200/200/-    200/200/-      200/200/-    403/403/-    200/200/-
customers.CustomerMerge     200/200/-    200/200/-      200/200/-    403/403/-    200/200/-
customers.ConsentRecord     200/200/-    200/200/-      200/200/-    403/403/-    200/200/-
customers.Event             200/200/-    200/200/-      200/200/-    403/403/-    200/200/-
customers.LoyaltyEntry      200/200/-    200/200/-      200/200/-    403/403/-    200/200/-
customers.WishlistItem      200/200/-    200/200/-      200/200/-    403/403/-    200/200/-
customers.Review            200/200/-    200/200/-      200/200/-    403/403/-    200/200/-
orders.Order                200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
orders.Terminal             200/200/200  200/200/404    200/200/404  403/403/403  403/403/403
orders.Shift                200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
orders.Voucher              200/200/-    200/200/-      200/200/-    200/200/-    200/200/-
orders.VoucherCode          200/200/-    200/200/-      200/200/-    200/200/-    200/200/-
orders.VoucherRedemption    200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
orders.PriceDiscrepancy     200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
orders.ShippingRule         200/200/-    200/200/-      200/200/-    200/200/-    200/200/-
campaigns.Message           200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.MessageTemplate   200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.DoNotCall         200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.Suppression       200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.MessageLink       200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.MessageActivity   200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.Attribution       200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.ConsumerCursor    200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.CallListCustomer  200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.Flow              200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.FlowEnrolment     200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
campaigns.CallTask          200/200/-    200/200/-      403/403/-    403/403/-    200/200/-
orders.MarketplaceShop      200/200/-    200/200/-      403/403/-    200/200/-    200/200/-
orders.Listing              200/200/-    200/200/-      403/403/-    200/200/-    200/200/-
orders.WebhookEvent         200/200/-    200/200/-      403/403/-    200/200/-    200/200/-
orders.HeldOrder            200/200/-    200/200/-      403/403/-    200/200/-    200/200/-
orders.StockSyncLog         200/200/-    200/200/-      403/403/-    200/200/-    200/200/-
orders.Bundle               200/200/-    200/200/-      200/200/-    200/200/-    200/200/-
orders.Quote                200/200/200  200/200/404    200/200/404  200/200/404  200/200/200
platform.AuditEntry         200/200/-    403/403/-      403/403/-    403/403/-    403/403/-
""")

# --- Admin actions -------------------------------------------------------------------------
# "x": the role is offered the action (Django's get_actions: the action's permissions).
# What an offered action does to another store's rows: nothing, they are not in the list's
# queryset it runs on (tests/platform/test_store_scope.py posts them).
ACTIONS = _table("""
action                                      owner store_manager cashier warehouse marketer
auth.Group.delete_selected                  -     -             -       -         -
auth.User.delete_selected                   x     -             -       -         -
inventory.Location.delete_selected          x     -             -       -         -
inventory.StaffMembership.delete_selected   x     -             -       -         -
inventory.SalesChannel.delete_selected      x     -             -       -         -
inventory.Category.delete_selected          x     -             -       -         -
inventory.Product.delete_selected           x     -             -       -         -
inventory.Variant.delete_selected           x     -             -       -         -
inventory.Supplier.delete_selected          x     -             -       -         -
inventory.Reservation.release               x     x             -       x         -
inventory.StockDiscrepancy.resolve          x     x             -       x         -
inventory.StockTransfer.receive_in_transit  x     x             -       x         -
customers.Customer.delete_selected          x     -             -       -         -
customers.Customer.merge_selected           x     x             -       -         -
customers.Customer.export_json              x     -             -       -         -
customers.Customer.erase                    x     -             -       -         -
customers.MergeSuggestion.delete_selected   x     -             -       -         -
customers.MergeSuggestion.merge             x     x             -       -         -
customers.MergeSuggestion.dismiss           x     x             x       -         -
customers.Review.delete_selected            x     -             -       -         -
customers.Review.approve                    x     x             x       -         -
customers.Review.reject                     x     x             x       -         -
orders.Order.confirm_payment                x     x             -       -         -
orders.Order.mark_ready_for_pickup          x     x             -       -         -
orders.Order.ship                           x     x             -       -         -
orders.Order.mark_delivered                 x     x             -       -         -
orders.Order.cancel                         x     x             -       -         -
orders.Terminal.delete_selected             x     -             -       -         -
orders.Terminal.rotate_token                x     x             -       -         -
orders.Terminal.revoke                      x     x             -       -         -
orders.Voucher.delete_selected              x     -             -       -         -
orders.Voucher.generate_codes               x     x             -       -         x
orders.Voucher.export_unused_codes          x     x             -       -         x
orders.PriceDiscrepancy.resolve             x     x             -       -         -
orders.ShippingRule.deactivate              x     -             -       -         -
orders.ShippingRule.delete_selected         x     -             -       -         -
campaigns.Message.uncertain_was_sent        x     -             -       -         x
campaigns.Message.uncertain_send_again      x     -             -       -         x
campaigns.Message.uncertain_give_up         x     -             -       -         x
campaigns.MessageTemplate.delete_selected   x     -             -       -         x
campaigns.DoNotCall.delete_selected         x     -             -       -         x
campaigns.Suppression.delete_selected       x     -             -       -         x
campaigns.Flow.delete_selected              x     -             -       -         x
campaigns.CallTask.mark_done                x     -             -       -         x
campaigns.CallTask.delete_selected          x     -             -       -         x
orders.MarketplaceShop.delete_selected      x     -             -       -         -
orders.MarketplaceShop.push_now             x     x             -       -         -
orders.MarketplaceShop.reconcile_now        x     x             -       -         -
orders.MarketplaceShop.pull_orders_now      x     x             -       -         -
orders.WebhookEvent.replay                  x     x             -       -         -
orders.HeldOrder.release                    x     x             -       -         -
orders.Bundle.delete_selected               x     -             -       -         -
orders.Bundle.deactivate                    x     x             -       -         x
orders.Quote.delete_selected                x     -             -       -         -
orders.Quote.send                           x     x             x       -         -
orders.Quote.cancel                         x     x             x       -         -
""")

# --- POS endpoints -------------------------------------------------------------------------
# A terminal of store A calls with an object of store A (own) and of store B (other).
# "n/a": the request names no store-bound object (the terminal's own store is implied).
# Returns are taken at any store for an order of any channel (DESIGN: omnichannel), and
# customers are shared: those answer the same for both (a customer only once this
# terminal has looked them up by phone or email).
POS = _table("""
endpoint                 own  other
pos-order-detail         200  404
pos-pickup-list          200  200
pos-pickup-ready         200  404
pos-pickup-hand-over     200  404
pos-shift-current        200  404
pos-shift-cash-movement  201  404
pos-shift-close          200  404
pos-returnable-order     200  200
pos-customer-summary     404  404
pos-customer-points-code 404  404
pos-customer-contacts-add 404 404
pos-customer-wishlist-add 404 404
pos-quote-detail         200  404
pos-quote-sale           201  404
pos-quote-create         n/a  n/a
pos-return-create        n/a  n/a
pos-terminal             n/a  n/a
pos-shift-open           n/a  n/a
pos-product-search       n/a  n/a
pos-customer-create      n/a  n/a
pos-customer-lookup      n/a  n/a
pos-sale-submit          n/a  n/a
pos-catalog-sync         n/a  n/a
""")


# --- The world: two stores, one object of each screen at each --------------------------------


class World:
    """Store A (ours), store B (theirs), a warehouse; made through the services."""

    def __init__(self):
        self.store_a = LocationFactory(code="store-a", name="Store A")
        self.store_b = LocationFactory(code="store-b", name="Store B")
        self.warehouse = WarehouseFactory(code="kho", name="Kho")
        self.web = channel_selling_from(self.store_a, self.store_b, self.warehouse, code="web")
        self.variant = VariantFactory(sku="MK-100", price_amount=Decimal(85000))
        for location in (self.store_a, self.store_b, self.warehouse):
            stocked(self.variant, location, 10)
        self.customer = customer_with(phone="+84909908089", full_name="Hoa")
        self.other_customer = customer_with(phone="+84909908090", full_name="Hoa N.")
        self.voucher = VoucherFactory(name="Tết", code=None)
        self._cache: dict = {}

    def level(self, location):
        return self.variant.stock_levels.get(location=location)

    def pickup_order(self, location):
        cart = cart_get_or_create(channel=self.web)
        cart_line_set(cart=cart, variant_id=self.variant.pk, quantity=1)
        cart = checkout_start(
            cart=cart, contact_phone="0909908089", fulfilment="pickup", pickup_location=location
        )
        return order_place(cart=cart, payment_method="cod")

    def quote(self, location):
        return quote_create(
            customer=self.customer,
            location=location,
            lines=[QuoteLineInput(sku=self.variant.sku, quantity=1, unit_price_amount=80000)],
            send=True,
        )

    def quote_to_ring_up(self, location):
        """A sent quote of ``location``, and the store's POS channel to sell it on."""
        if not location.channels.filter(kind="pos").exists():
            channel_selling_from(location, kind="pos", code=f"pos-{location.code}")
        return self.quote(location)

    def terminal(self, location):
        if location.pk not in self._cache:
            self._cache[location.pk] = terminal_with_token(location=location, name="Quầy 1")
        return self._cache[location.pk]

    def cashier(self, location):
        key = ("cashier", location.pk)
        if key not in self._cache:
            self._cache[key] = StaffFactory(role=CASHIER, stores=[location])
        return self._cache[key]

    def shift(self, location):
        terminal, _token = self.terminal(location)
        return Shift.objects.create(
            terminal=terminal,
            cashier=StaffFactory(role=CASHIER, stores=[location]),
            client_uuid=uuid.uuid4(),
            opened_at=timezone.now(),
        )


def _discrepancy(world, location):
    level = world.level(location)
    movement = StockMovement.objects.filter(stock_level=level).first()
    return StockDiscrepancy.objects.create(stock_level=level, movement=movement, shortfall=1)


def _redemption(world, location):
    order = order_minimal(channel=world.web, fulfilment="pickup", location=location)
    return VoucherRedemption.objects.create(
        voucher=world.voucher, order=order, discount_amount=Decimal(1000)
    )


# How to make one row of each screen: (world, location) → object.
OBJECTS: dict[str, Callable] = {
    "auth.Group": lambda w, loc: Group.objects.get(name=OWNER),
    "auth.User": lambda w, loc: StaffFactory(),
    "inventory.Location": lambda w, loc: loc,
    "inventory.StaffMembership": lambda w, loc: StaffMembership.objects.create(
        user=StaffFactory(), location=loc
    ),
    "inventory.SalesChannel": lambda w, loc: w.web,
    "inventory.Category": lambda w, loc: CategoryFactory(),
    "inventory.Product": lambda w, loc: ProductFactory(),
    "inventory.Variant": lambda w, loc: w.variant,
    "inventory.StockLevel": lambda w, loc: w.level(loc),
    "inventory.StockMovement": lambda w, loc: StockMovement.objects.filter(
        stock_level=w.level(loc)
    ).first(),
    "inventory.Reservation": lambda w, loc: stock_reserve(
        channel=w.web,
        lines=[StockLine(sku=w.variant.sku, quantity=1)],
        reference=f"test:{loc.code}",
        location=loc,
    )[0],
    "inventory.StockDiscrepancy": _discrepancy,
    "inventory.StockTransfer": lambda w, loc: stock_transfer_dispatch(
        source=loc, destination=w.warehouse, lines=[StockLine(sku=w.variant.sku, quantity=1)]
    ),
    "inventory.GoodsReceipt": lambda w, loc: goods_receipt_post(
        location=loc,
        lines=[ReceiptLine(code=w.variant.sku, quantity=2, unit_cost_amount=Decimal(60000))],
    ),
    "inventory.Supplier": lambda w, loc: Supplier.objects.get_or_create(name="HTX Mắc khén")[0],
    "customers.Customer": lambda w, loc: w.customer,
    "customers.MergeSuggestion": lambda w, loc: MergeSuggestion.objects.create(
        customer=w.customer, other=w.other_customer, reason="test"
    ),
    "customers.CustomerMerge": lambda w, loc: CustomerMerge.objects.create(
        target=w.customer, source=w.other_customer
    ),
    "customers.ConsentRecord": lambda w, loc: ConsentRecord.objects.create(
        customer=w.customer,
        channel="email",
        purpose="marketing",
        granted=True,
        recorded_at=timezone.now(),
        source="web_form",
        actor="shopper",
    ),
    "customers.Event": lambda w, loc: event_record(
        customer=w.customer, kind="product_viewed", location=loc
    ),
    "customers.LoyaltyEntry": lambda w, loc: LoyaltyEntry.objects.create(
        customer=w.customer, kind="earn", points=10, reference=f"test:{loc.code}"
    ),
    "customers.WishlistItem": lambda w, loc: WishlistItem.objects.create(
        customer=w.customer, variant=w.variant
    ),
    "customers.Review": lambda w, loc: Review.objects.create(
        customer=w.customer, product=w.variant.product, rating=5
    ),
    "orders.Order": lambda w, loc: w.pickup_order(loc),
    "orders.Terminal": lambda w, loc: w.terminal(loc)[0],
    "orders.Shift": lambda w, loc: w.shift(loc),
    "orders.Voucher": lambda w, loc: w.voucher,
    "orders.VoucherCode": lambda w, loc: (
        voucher_codes_generate(voucher=w.voucher, count=1, prefix="")
        and VoucherCode.objects.filter(voucher=w.voucher).first()
    ),
    "orders.VoucherRedemption": _redemption,
    "orders.PriceDiscrepancy": lambda w, loc: PriceDiscrepancy.objects.create(
        order=order_minimal(channel=w.web, fulfilment="pickup", location=loc),
        sku=w.variant.sku,
        reason="price",
        quantity=1,
        charged_amount=Decimal(1),
        catalog_amount=w.variant.price_amount,
    ),
    "orders.Quote": lambda w, loc: w.quote(loc),
    "orders.Bundle": lambda w, loc: Bundle.objects.get_or_create(
        slug="combo", defaults={"name": "Combo", "price_amount": Decimal(100000)}
    )[0],
    # The whole audit trail is the owner's (config/audit_admin.py; tests/platform/test_audit*).
    "platform.AuditEntry": lambda w, loc: audit_record(instance=w.variant, event="test"),
}

# Shared by every store: one object (made "at" store A), no other store's to ask for.
SHARED = {
    "auth.Group",
    "auth.User",
    "inventory.SalesChannel",
    "inventory.Category",
    "inventory.Product",
    "inventory.Variant",
    "inventory.Supplier",
    "customers.Customer",
    "customers.MergeSuggestion",
    "customers.CustomerMerge",
    "customers.ConsentRecord",
    "customers.Event",
    "customers.LoyaltyEntry",
    "customers.WishlistItem",
    "customers.Review",
    "orders.Voucher",
    "orders.VoucherCode",
    "orders.Bundle",
    "platform.AuditEntry",
}


# --- Campaigns and marketplaces: shared by every store ---------------------------------------


def _message(world):
    if "message" not in world._cache:
        world._cache["message"] = MessageFactory(customer=world.customer)
    return world._cache["message"]


def _click(world):
    message = _message(world)
    link, _created = MessageLink.objects.get_or_create(
        message=message, position=0, defaults={"url": "https://tiem.example/"}
    )
    return MessageActivity.objects.create(
        message=message, kind="clicked", link=link, occurred_at=timezone.now()
    )


def _attribution(world):
    click = _click(world)
    order = order_minimal(channel=world.web, customer=world.customer)
    return Attribution.objects.create(
        order=order,
        message=click.message,
        click=click,
        channel="email",
        clicked_at=click.occurred_at,
        placed_at=order.placed_at,
        total_amount=order.total_amount,
        currency="VND",
        order_channel="web",
    )


def _to_call():
    # A phone that takes no SMS or Zalo (both bounced) leaves only a call.
    customer = customer_with(phone="+84909908091", full_name="Lan")
    for channel in ("sms", "zalo"):
        Suppression.objects.create(channel=channel, address="+84909908091", reason="hard_bounce")
    return CallListCustomer.objects.get(pk=customer.pk)


def _shop(world):
    if "shop" not in world._cache:
        channel = channel_selling_from(world.warehouse, kind="marketplace", code="shopee-1")
        world._cache["shop"] = MarketplaceShop.objects.create(
            platform="shopee",
            shop_id="1001",
            name="Shopee",
            channel=channel,
            api_base_url="http://127.0.0.1:9/",
        )
    return world._cache["shop"]


def _listing(world):
    return Listing.objects.get_or_create(
        shop=_shop(world), item_id="1", defaults={"variant": world.variant}
    )[0]


OBJECTS |= {
    "campaigns.Message": lambda w, loc: _message(w),
    "campaigns.MessageTemplate": lambda w, loc: MessageTemplateFactory(),
    "campaigns.DoNotCall": lambda w, loc: DoNotCall.objects.create(
        phone="+84909908090", source="test", listed_on=timezone.localdate()
    ),
    "campaigns.Suppression": lambda w, loc: Suppression.objects.create(
        channel="email", address="hoa@example.vn", reason="hard_bounce"
    ),
    "campaigns.MessageLink": lambda w, loc: _click(w).link,
    "campaigns.MessageActivity": lambda w, loc: _click(w),
    "campaigns.Attribution": lambda w, loc: _attribution(w),
    "campaigns.ConsumerCursor": lambda w, loc: ConsumerCursor.objects.create(name="test"),
    "campaigns.CallListCustomer": lambda w, loc: _to_call(),
    "campaigns.Flow": lambda w, loc: Flow.objects.get_or_create(
        code="cart_abandoned", defaults={"purpose": "marketing"}
    )[0],
    "campaigns.FlowEnrolment": lambda w, loc: FlowEnrolment.objects.create(
        flow=Flow.objects.get_or_create(code="cart_abandoned", defaults={"purpose": "marketing"})[
            0
        ],
        customer=w.customer,
        trigger_event=event_record(customer=w.customer, kind="cart_updated"),
    ),
    "campaigns.CallTask": lambda w, loc: CallTask.objects.create(
        customer=w.customer,
        phone="+84909908089",
        script="Mời chị ghé cửa hàng.",
        due_at=timezone.now(),
    ),
    "orders.MarketplaceShop": lambda w, loc: _shop(w),
    "orders.Listing": lambda w, loc: _listing(w),
    "orders.WebhookEvent": lambda w, loc: WebhookEvent.objects.create(
        shop=_shop(w), event_id="e1", body="{}"
    ),
    "orders.HeldOrder": lambda w, loc: HeldOrder.objects.create(
        shop=_shop(w),
        external_ref="SP1",
        reason="needs_mapping",
        payload={},
        platform_status="paid",
    ),
    "orders.ShippingRule": lambda w, loc: shipping_rule_upsert(
        name="Nội thành Hà Nội", province_code="01", fee_amount=Decimal(20000)
    ),
    "orders.StockSyncLog": lambda w, loc: StockSyncLog.objects.create(
        listing=_listing(w), kind="push", quantity=3, outcome="ok"
    ),
}
SHARED |= {label for label in OBJECTS if label.split(".")[0] == "campaigns"} | {
    "orders.MarketplaceShop",
    "orders.Listing",
    "orders.WebhookEvent",
    "orders.HeldOrder",
    "orders.StockSyncLog",
    "orders.ShippingRule",
}


def _registered_labels() -> set[str]:
    return {model._meta.label for model in admin.site._registry}


def _admin_url(label, view, *args):
    app_label, model_name = label.lower().split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def _pos_url_names() -> set[str]:
    return {
        pattern.name
        for pattern in get_resolver("orders.api.urls").url_patterns
        if str(pattern.pattern).startswith("pos/")
    }


def _staff(role, world):
    stores = [world.store_a] if role in (STORE_MANAGER, CASHIER, WAREHOUSE) else []
    # Owners and marketers work at store A too: their scope is every store all the same.
    return StaffFactory(role=role, stores=stores or [world.store_a])


def test_every_door_has_a_row(rf):
    """A new admin, action or POS endpoint needs its row in the tables above."""
    request = rf.get("/admin/")
    request.user = get_user_model()(is_active=True, is_staff=True, is_superuser=True)
    actions = {
        f"{model._meta.label}.{name}"
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.get_actions(request)
    }

    assert {
        "admins without a row in PAGES": sorted(_registered_labels() - set(PAGES)),
        "admins without a builder in OBJECTS": sorted(_registered_labels() - set(OBJECTS)),
        "rows of admins no longer registered": sorted(set(PAGES) - _registered_labels()),
        "actions without a row in ACTIONS": sorted(actions - set(ACTIONS)),
        "rows of actions that no longer exist": sorted(set(ACTIONS) - actions),
        "POS endpoints without a row in POS": sorted(_pos_url_names() - set(POS)),
        "rows of POS endpoints that no longer exist": sorted(set(POS) - _pos_url_names()),
    } == {
        "admins without a row in PAGES": [],
        "admins without a builder in OBJECTS": [],
        "rows of admins no longer registered": [],
        "actions without a row in ACTIONS": [],
        "rows of actions that no longer exist": [],
        "POS endpoints without a row in POS": [],
        "rows of POS endpoints that no longer exist": [],
    }


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_per_role_and_store(client, role):
    # given: one object of each screen at store A and, for store-bound ones, at store B
    world = World()
    client.force_login(_staff(role, world))
    column = ROLES.index(role)
    labels = sorted(set(PAGES) & set(OBJECTS) & _registered_labels())

    # when
    answered = {}
    for label in labels:
        own = OBJECTS[label](world, world.store_a)
        statuses = [
            client.get(_admin_url(label, "changelist")).status_code,
            client.get(_admin_url(label, "change", own.pk)).status_code,
        ]
        shared = label in SHARED
        other = None if shared else OBJECTS[label](world, world.store_b)
        statuses.append(
            "-" if shared else client.get(_admin_url(label, "change", other.pk)).status_code
        )
        answered[label] = "/".join(str(status) for status in statuses)

    # then
    assert answered == {label: PAGES[label][column] for label in labels}


@pytest.mark.parametrize("role", ROLES)
def test_admin_actions_per_role(rf, role):
    # given
    world = World()
    request = rf.get("/admin/")
    request.user = _staff(role, world)
    column = ROLES.index(role)

    # when
    offered = {
        f"{model._meta.label}.{name}"
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.get_actions(request)
    }

    # then
    assert offered == {action for action, cells in ACTIONS.items() if cells[column] == "x"}


def _pos_calls(world):
    """name → (method, path for an object of a location, body) for the endpoints in POS."""

    def ready(location):
        return order_ready_for_pickup(order=world.pickup_order(location))

    def current_shift(location):
        # Only one terminal has an open shift at a time here: A's, then B's.
        Shift.objects.filter(closed_at__isnull=True).delete()
        world.shift(location)
        return "get", reverse("v1:pos-shift-current"), None, None

    def pickup_listed(location):
        # The listing answers 200 for both: what matters is which orders it holds.
        return "get", reverse("v1:pos-pickup-list"), None, world.pickup_order(location)

    return {
        "pos-order-detail": lambda loc: (
            "get", reverse("v1:pos-order-detail", args=[world.pickup_order(loc).pk]), None, None,
        ),
        "pos-pickup-list": pickup_listed,
        "pos-pickup-ready": lambda loc: (
            "post", reverse("v1:pos-pickup-ready", args=[world.pickup_order(loc).pk]), None, None,
        ),
        "pos-pickup-hand-over": lambda loc: (
            lambda order: (
                "post",
                reverse("v1:pos-pickup-hand-over", args=[order.pk]),
                {"pickup_code": order.pickup_code, "cashier_id": world.cashier(loc).pk},
                None,
            )
        )(ready(loc)),
        "pos-shift-current": current_shift,
        "pos-shift-cash-movement": lambda loc: (
            "post",
            reverse("v1:pos-shift-cash-movement", args=[world.shift(loc).pk]),
            {"kind": "paid_in", "amount": "10000", "reason": "test",
             "client_uuid": str(uuid.uuid4())},
            None,
        ),
        "pos-shift-close": lambda loc: (
            "post",
            reverse("v1:pos-shift-close", args=[world.shift(loc).pk]),
            {"counted_amount": "0"},
            None,
        ),
        "pos-returnable-order": lambda loc: (
            "get",
            reverse("v1:pos-returnable-order") + f"?number={world.pickup_order(loc).number}",
            None,
            None,
        ),
        # A terminal reaches a customer by id only after finding them by phone or email
        # (tests/orders/test_api_pos_customers.py): an id alone is a 404 at any store.
        "pos-customer-summary": lambda loc: (
            "get", reverse("v1:pos-customer-summary", args=[world.customer.pk]), None, None,
        ),
        "pos-customer-points-code": lambda loc: (
            "post", reverse("v1:pos-customer-points-code", args=[world.customer.pk]), None, None,
        ),
        "pos-quote-detail": lambda loc: (
            "get", reverse("v1:pos-quote-detail", args=[world.quote(loc).pk]), None, None,
        ),
        "pos-quote-sale": lambda loc: (
            "post",
            reverse("v1:pos-quote-sale", args=[world.quote_to_ring_up(loc).pk]),
            {"client_uuid": str(uuid.uuid4()),
             "payments": [{"method": "cash", "amount": "80000"}]},
            None,
        ),
        "pos-customer-wishlist-add": lambda loc: (
            "post", reverse("v1:pos-customer-wishlist-add", args=[world.customer.pk]),
            {"variant_id": world.variant.pk},
            None,
        ),
        "pos-customer-contacts-add": lambda loc: (
            "post", reverse("v1:pos-customer-contacts-add", args=[world.customer.pk]),
            {"zalo_id": "4183906120951372", "consents": [
                {"channel": "zalo", "purpose": "transactional", "granted": True}]},
            None,
        ),
    }  # fmt: skip


@pytest.mark.parametrize("name", [name for name, cells in POS.items() if cells[0] != "n/a"])
def test_pos_endpoints_with_own_and_other_store_objects(name):
    # given: a terminal of store A; the other terminal's objects are store B's
    world = World()
    _terminal, token = world.terminal(world.store_a)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    call = _pos_calls(world)[name]

    # when
    answered = []
    listed = []
    for location in (world.store_a, world.store_b):
        method, path, body, listed_object = call(location)
        response = getattr(api, method)(path, body, format="json")
        answered.append(str(response.status_code))
        if listed_object is not None:
            payload = response.json()
            rows = payload["results"] if isinstance(payload, dict) else payload
            listed.append(listed_object.pk in {row["id"] for row in rows})

    # then
    assert answered == POS[name]
    if listed:  # a list shows the own store's object, never the other's
        assert listed == [True, False]


# --- Staff dashboards (not ModelAdmins: URLs of their own under /admin/) -------------------
# Each cell: the page / a CSV export of it. A dashboard URL without a row fails
# test_every_dashboard_has_a_row.
DASHBOARDS = _table("""
url name           owner    store_manager  cashier  warehouse  marketer
reports:dashboard  200/200  200/200        403/403  403/403    200/200
""")


def _dashboard_url_names() -> set[str]:
    return {f"reports:{pattern.name}" for pattern in get_resolver("reports.urls").url_patterns}


def test_every_dashboard_has_a_row():
    assert _dashboard_url_names() == set(DASHBOARDS)


@pytest.mark.parametrize("role", ROLES)
def test_dashboards_per_role(client, role):
    # given: a staff member of store A
    world = World()
    client.force_login(_staff(role, world))
    column = ROLES.index(role)

    # when
    answered = {
        name: "/".join(
            str(client.get(reverse(name), query).status_code)
            for query in ({}, {"export": "channels"})
        )
        for name in DASHBOARDS
    }

    # then
    assert answered == {name: cells[column] for name, cells in DASHBOARDS.items()}


# --- Staff screens that are not ModelAdmins (issue 14) ----------------------------------
# The phone order screen needs orders.add_order. A URL of orders.admin.phone_orders without
# a row fails test_every_staff_screen_has_a_row.
STAFF_SCREENS = _table("""
url name           owner  store_manager  cashier  warehouse  marketer
phone_orders:new   200    200            200      403        403
""")


def test_every_staff_screen_has_a_row():
    names = {
        f"phone_orders:{pattern.name}"
        for pattern in get_resolver("orders.admin.phone_orders").url_patterns
    }
    assert names == set(STAFF_SCREENS)


@pytest.mark.parametrize("role", ROLES)
def test_staff_screens_per_role(client, role):
    world = World()
    client.force_login(_staff(role, world))
    column = ROLES.index(role)

    answered = {name: str(client.get(reverse(name)).status_code) for name in STAFF_SCREENS}

    assert answered == {name: cells[column] for name, cells in STAFF_SCREENS.items()}


# --- The shopper's quote pages (issue 14) -------------------------------------------------
# A shopper logged in asks for their own quote and for another customer's: another's is a
# 404, the same as one that does not exist. Anonymous: to the log-in page.
SHOPPER_PAGES = _table("""
url name                  anonymous  own  other
shop:account-quotes       302        200  200
shop:account-quote        302        200  404
shop:account-quote-order  302        302  404
""")
SHOPPER_METHODS = {"shop:account-quote-order": "post"}


def test_every_shopper_quote_page_has_a_row():
    names = {
        f"shop:{pattern.name}"
        for pattern in get_resolver("orders.urls").url_patterns
        if "quote" in str(pattern.pattern)
    }
    assert names == set(SHOPPER_PAGES)


@pytest.mark.parametrize("name", list(SHOPPER_PAGES))
def test_shopper_quote_pages_own_and_other(client, name):
    from customers.services import shopper_signup

    world = World()
    shopper = shopper_signup(password="bánh-cuốn-2026", phone="0912000111")
    own, other = world.quote(world.store_a), world.quote(world.store_a)
    own.customer = shopper
    own.save(update_fields=["customer"])
    method = SHOPPER_METHODS.get(name, "get")

    def ask(quote):
        args = [] if name == "shop:account-quotes" else [quote.number]
        return str(getattr(client, method)(reverse(name, args=args)).status_code)

    answered = [ask(own)]
    client.force_login(shopper.user)
    answered += [ask(own), ask(other)]

    assert answered == SHOPPER_PAGES[name]


# --- Admin pages that are not a model's list or object (their own URLs under /admin/) -------
# Each cell: GET at a location of the staff member's store (A) / GET at store B's location /
# POST a one-line delivery at store A. Posting at store B is refused on the form (below).
ADMIN_VIEWS = _table("""
url name                              owner       manager     cashier     warehouse   marketer
admin:inventory_stocklevel_receive  200/200/302 200/404/302 403/403/403 200/404/302 403/403/403
""")


def _receipt_post_body(location, code):
    return {
        "location": location.pk,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-code": code,
        "lines-0-quantity": "3",
        "lines-0-unit_cost_amount": "60000",
        "post_receipt": "1",
    }


@pytest.mark.parametrize("role", ROLES)
def test_admin_views_per_role_and_store(client, role):
    # given
    world = World()
    client.force_login(_staff(role, world))
    column = ROLES.index(role)

    # when
    answered = {}
    for name in ADMIN_VIEWS:
        url = reverse(name)
        answered[name] = "/".join(
            str(status)
            for status in (
                client.get(url, {"location": world.store_a.pk}).status_code,
                client.get(url, {"location": world.store_b.pk}).status_code,
                client.post(url, _receipt_post_body(world.store_a, "mk-100")).status_code,
            )
        )

    # then
    assert answered == {name: cells[column] for name, cells in ADMIN_VIEWS.items()}


@pytest.mark.parametrize("role", [STORE_MANAGER, WAREHOUSE])
def test_receiving_at_another_store_is_refused_on_the_form(client, role):
    # given: staff of store A
    world = World()
    client.force_login(_staff(role, world))
    on_hand = world.level(world.store_b).on_hand

    # when: the page is posted with store B's location (a hand-made request)
    response = client.post(
        reverse("admin:inventory_stocklevel_receive"),
        _receipt_post_body(world.store_b, "MK-100"),
    )

    # then: the location field says no; nothing was written
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["location"]
    assert world.level(world.store_b).on_hand == on_hand
    assert not GoodsReceipt.objects.exists()
