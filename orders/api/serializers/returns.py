"""Returns taken at a till and pick-ups handed over there."""

from rest_framework import serializers

from config.api.fields import MoneyField, StrictUUIDField
from orders.api.serializers.sales import TILL_PAYMENT_METHODS
from orders.models import Order, OrderLine, Return, ReturnLine


class ReturnLineInputSerializer(serializers.Serializer):
    order_line_id = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class ReturnableOrderQuery(serializers.Serializer):
    # A CharField refuses NUL bytes, which PostgreSQL cannot compare (a 500 otherwise).
    number = serializers.CharField(max_length=40, help_text="e.g. WEB-000123")


class PosReturnInput(serializers.Serializer):
    client_uuid = StrictUUIDField(help_text="Made by the terminal; send it again on retry.")
    order_number = serializers.CharField(
        max_length=40, help_text="From the receipt or the order email, any channel."
    )
    lines = ReturnLineInputSerializer(many=True, allow_empty=False, max_length=500)
    reason = serializers.CharField(max_length=300)
    refund_method = serializers.ChoiceField(
        choices=TILL_PAYMENT_METHODS,
        required=False,
        default="",
        help_text="Leave out to refund in the tender the order was paid with. Another tender, "
        "more cash than the order took, or another channel's order needs a cashier_id holding "
        "orders.refund_cross_channel_return (403 refund_needs_approval otherwise).",
    )
    cashier_id = serializers.IntegerField(
        help_text="The staff member taking the return (recorded as its processed_by)."
    )


class ReturnLineOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="order_line.sku")
    refund_amount = MoneyField()

    class Meta:
        model = ReturnLine
        fields = ["order_line", "sku", "quantity", "refund_amount"]


class ReturnOutput(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    order_status = serializers.CharField(source="order.status")
    refund_amount = MoneyField()
    lines = ReturnLineOutput(many=True)
    processed_by = serializers.PrimaryKeyRelatedField(source="created_by", read_only=True)

    class Meta:
        model = Return
        fields = [
            "id",
            "order_number",
            "order_status",
            "location",
            "reason",
            "refund_method",
            "refund_amount",
            "points_reversed",
            "client_uuid",
            "processed_by",
            "approved_by",
            "created_at",
            "lines",
        ]


class ReturnableLineOutput(serializers.ModelSerializer):
    unit_price_amount = MoneyField()
    total_amount = MoneyField()
    returnable_quantity = serializers.IntegerField()

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sku",
            "name",
            "quantity",
            "returned_quantity",
            "returnable_quantity",
            "unit_price_amount",
            "total_amount",
        ]


class ReturnableOrderOutput(serializers.ModelSerializer):
    """What a cashier needs to take a return: no customer or address details."""

    channel = serializers.CharField(source="channel.name")
    total_amount = MoneyField()
    lines = ReturnableLineOutput(many=True)

    class Meta:
        model = Order
        fields = ["id", "number", "channel", "status", "placed_at", "total_amount", "lines"]


class PickupHandOverInput(serializers.Serializer):
    pickup_code = serializers.CharField(max_length=12)
    cashier_id = serializers.IntegerField(
        help_text="The staff member handing the goods over (recorded as handed_over_by)."
    )
