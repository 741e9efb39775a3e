"""Quotes at the till: making one for a customer, reading it, ringing it up; the wishlist."""

from decimal import Decimal

from rest_framework import serializers

from config.api.fields import MoneyField, StrictUUIDField
from orders.api.serializers.sales import TenderInputSerializer
from orders.models import Quote, QuoteLine
from orders.services.quotes import QUOTE_DEFAULT_VALID_DAYS, QUOTE_MAX_VALID_DAYS


class QuoteLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)
    unit_price_amount = MoneyField(min_value=Decimal(0), help_text="The quoted unit price.")


class PosQuoteCreateInput(serializers.Serializer):
    customer_id = serializers.IntegerField(
        help_text="A customer this terminal found by phone or email recently."
    )
    lines = QuoteLineInputSerializer(many=True, allow_empty=False, max_length=200)
    discount_amount = MoneyField(
        required=False,
        default=Decimal(0),
        min_value=Decimal(0),
        help_text="Taken off the lines' total; at most that total.",
    )
    valid_days = serializers.IntegerField(
        min_value=1,
        max_value=QUOTE_MAX_VALID_DAYS,
        required=False,
        default=QUOTE_DEFAULT_VALID_DAYS,
        help_text="How many days the prices hold.",
    )
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    cashier_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class QuoteLineOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    name = serializers.CharField(source="variant")
    unit_price_amount = MoneyField()
    total_amount = MoneyField()

    class Meta:
        model = QuoteLine
        fields = ["variant_id", "sku", "name", "quantity", "unit_price_amount", "total_amount"]


class QuoteOutput(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        source="state",
        choices=Quote.Status.choices,
        help_text="`expired` as soon as the validity has passed.",
    )
    location_id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    order_id = serializers.IntegerField(allow_null=True)
    discount_amount = MoneyField()
    subtotal_amount = MoneyField()
    total_amount = MoneyField()
    lines = QuoteLineOutput(many=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "status",
            "customer_id",
            "location_id",
            "currency",
            "lines",
            "subtotal_amount",
            "discount_amount",
            "total_amount",
            "expires_at",
            "note",
            "order_id",
            "created_at",
        ]


class PosQuoteSaleInput(serializers.Serializer):
    client_uuid = StrictUUIDField(
        help_text="Made by the terminal for this sale; send the same one on every retry."
    )
    payments = TenderInputSerializer(many=True, allow_empty=False, max_length=10)
    cashier_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    voucher_code = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True
    )
    points = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, default=0)
    points_code = serializers.CharField(max_length=12, required=False, default="", allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class PosWishlistAddInput(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1)


class PosWishlistOutput(serializers.Serializer):
    wishlist_variant_ids = serializers.ListField(child=serializers.IntegerField())
