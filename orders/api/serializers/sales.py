"""A sale as a till submits it, and an order as the API shows it."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import MoneyField, StrictUUIDField
from config.api.serializers import CopiedFieldsSerializer
from orders.models import Order, OrderLine, Payment

# Named choice sets for the schema (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
PAYMENT_METHODS = Payment.Method.choices
PAYMENT_STATUSES = Payment.Status.choices

# What a till takes or gives back (one enum in the schema, ``TillPaymentMethodEnum``).
TILL_PAYMENT_METHODS = [
    (method.value, method.label)
    for method in (
        Payment.Method.CASH,
        Payment.Method.CARD,
        Payment.Method.BANK_TRANSFER,
        Payment.Method.EWALLET,
    )
]


class SaleLineInput(CopiedFieldsSerializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)
    unit_price_amount = MoneyField(
        required=False,
        min_value=Decimal(0),
        help_text="The price the till showed. Online: a different current price is a 409 "
        "price_changed. Offline: taken as what was charged.",
    )


class TenderInputSerializer(CopiedFieldsSerializer):
    method = serializers.ChoiceField(choices=TILL_PAYMENT_METHODS)
    amount = MoneyField(min_value=Decimal(1), help_text="What this tender pays, change excluded.")
    tendered_amount = MoneyField(
        required=False, min_value=Decimal(0), help_text="Cash: what the shopper handed over."
    )
    provider_reference = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )


class PosSaleInput(CopiedFieldsSerializer):
    client_uuid = StrictUUIDField(
        help_text="Made by the terminal for this sale; send the same one on every retry."
    )
    lines = SaleLineInput(many=True, allow_empty=False, max_length=500)
    payments = TenderInputSerializer(many=True, allow_empty=False, max_length=10)
    customer_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    cashier_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    voucher_code = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True
    )
    points = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, default=0)
    points_code = serializers.CharField(
        max_length=12,
        required=False,
        default="",
        allow_blank=True,
        help_text="With points: the code sent to the customer (POST .../points-code/).",
    )
    referral_code = serializers.CharField(
        max_length=16,
        required=False,
        default="",
        allow_blank=True,
        help_text="A friend's referral code the shopper gives (needs customer_id).",
    )
    placed_at = serializers.DateTimeField(
        required=False,
        help_text="The till's clock when the sale was made (offline sales): at most "
        "`POS_CLOCK_SKEW_SECONDS` (300) ahead of the server's clock and "
        "`POS_OFFLINE_MAX_AGE_DAYS` (30) old.",
    )
    offline = serializers.BooleanField(
        required=False, default=False, help_text="The sale was made while the till was offline."
    )
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    web_cart_token = StrictUUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Ringing up the customer's open web cart (the summary's `open_web_cart`): "
        "its token. The cart's checkout hold is let go for this sale and the cart is closed "
        "as this sale; the lines sold are the ones sent. Needs customer_id.",
    )

    def validate_placed_at(self, value):
        # A sale that already happened is never refused, but one dated in the future or
        # long ago is a till's broken clock, not a sale: it would skew shifts and reports.
        now = timezone.now()
        latest = now + timedelta(seconds=settings.POS_CLOCK_SKEW_SECONDS)
        earliest = now - timedelta(days=settings.POS_OFFLINE_MAX_AGE_DAYS)
        if not earliest <= value <= latest:
            raise serializers.ValidationError(
                _(
                    "A sale made at most %(days)s days ago and not in the future; "
                    "check the till's clock."
                )
                % {"days": settings.POS_OFFLINE_MAX_AGE_DAYS}
            )
        return value


class OrderLineOutput(serializers.ModelSerializer):
    unit_price_amount = MoneyField()
    discount_amount = MoneyField()
    total_amount = MoneyField()

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "variant",
            "sku",
            "name",
            "quantity",
            "unit_price_amount",
            "discount_amount",
            "total_amount",
            "returned_quantity",
        ]


class PaymentOutput(serializers.ModelSerializer):
    amount = MoneyField()
    tendered_amount = MoneyField(allow_null=True)
    change_amount = MoneyField(allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "kind",
            "method",
            "status",
            "amount",
            "tendered_amount",
            "change_amount",
            "provider_reference",
            "vietqr_payload",
            "created_at",
        ]


class OrderOutput(serializers.ModelSerializer):
    subtotal_amount = MoneyField()
    discount_amount = MoneyField()
    shipping_amount = MoneyField()
    total_amount = MoneyField()
    change_due_amount = serializers.SerializerMethodField()
    lines = OrderLineOutput(many=True)
    payments = PaymentOutput(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "channel",
            "location",
            "customer",
            "status",
            "fulfilment",
            "currency",
            "subtotal_amount",
            "discount_amount",
            "shipping_amount",
            "total_amount",
            "change_due_amount",
            "voucher_code",
            "points_redeemed",
            "client_uuid",
            "shift",
            "late_sync",
            "sold_offline",
            "pickup_code",
            "handed_over_by",
            "placed_at",
            "received_at",
            "completed_at",
            "lines",
            "payments",
        ]

    @extend_schema_field(MoneyField())
    def get_change_due_amount(self, order):
        change = sum((p.change_amount or Decimal(0) for p in order.payments.all()), Decimal(0))
        return MoneyField().to_representation(change)


# --- The sale's answer, without the generic serializer ------------------------------------
# OrderOutput builds some seventy field objects per order; a till waits for this answer on
# every sale. The same JSON from the rows the sale already holds, with fields built once.
# tests/orders/test_api_pos_sales.py compares the two on every shape of sale.
_MONEY = MoneyField()
_DATETIME = serializers.DateTimeField()


def _money(value) -> str | None:
    return None if value is None else _MONEY.to_representation(value)


def _when(value) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def order_output_lean(order: Order) -> dict:
    """``OrderOutput(order).data`` as plain data, for the POS sale's answer: the order with
    its ``lines`` and ``payments`` already loaded (as the sale or ``order_list`` leaves it)."""
    lines = order.lines.all()
    payments = order.payments.all()
    return {
        "id": order.pk,
        "number": order.number,
        "channel": order.channel_id,
        "location": order.location_id,
        "customer": order.customer_id,
        "status": order.status,
        "fulfilment": order.fulfilment,
        "currency": order.currency,
        "subtotal_amount": _money(order.subtotal_amount),
        "discount_amount": _money(order.discount_amount),
        "shipping_amount": _money(order.shipping_amount),
        "total_amount": _money(order.total_amount),
        "change_due_amount": _money(
            sum((payment.change_amount or Decimal(0) for payment in payments), Decimal(0))
        ),
        "voucher_code": order.voucher_code,
        "points_redeemed": order.points_redeemed,
        "client_uuid": str(order.client_uuid) if order.client_uuid else None,
        "shift": order.shift_id,
        "late_sync": order.late_sync,
        "sold_offline": order.sold_offline,
        "pickup_code": order.pickup_code,
        "handed_over_by": order.handed_over_by_id,
        "placed_at": _when(order.placed_at),
        "received_at": _when(order.received_at),
        "completed_at": _when(order.completed_at),
        "lines": [
            {
                "id": line.pk,
                "variant": line.variant_id,
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_amount": _money(line.unit_price_amount),
                "discount_amount": _money(line.discount_amount),
                "total_amount": _money(line.total_amount),
                "returned_quantity": line.returned_quantity,
            }
            for line in lines
        ],
        "payments": [
            {
                "id": payment.pk,
                "kind": payment.kind,
                "method": payment.method,
                "status": payment.status,
                "amount": _money(payment.amount),
                "tendered_amount": _money(payment.tendered_amount),
                "change_amount": _money(payment.change_amount),
                "provider_reference": payment.provider_reference,
                "vietqr_payload": payment.vietqr_payload,
                "created_at": _when(payment.created_at),
            }
            for payment in payments
        ],
    }
