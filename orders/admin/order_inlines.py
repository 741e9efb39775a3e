"""What the order page shows under the order, read-only: its lines, payments and returns."""

from django.contrib import admin
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy

from config.admin import ReadOnlyInline
from orders.models import OrderLine, Payment, Return, ReturnLine


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "sku",
        "name",
        "quantity",
        "unit_price_amount",
        "discount_amount",
        "total_amount",
        "returned_quantity",
    ]
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = [
        "created_at",
        "kind",
        "method",
        "status",
        "amount",
        "tendered_amount",
        "change_amount",
        "provider_reference",
    ]
    readonly_fields = fields


class ReturnInline(ReadOnlyInline):
    model = Return
    fields = [
        "created_at",
        "location",
        "returned_lines",
        "reason",
        "refund_method",
        "refund_amount",
        "points_reversed",
        "terminal",
        "created_by",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("location", "terminal__location", "created_by")
            .prefetch_related(
                Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line"))
            )
        )

    @admin.display(description=gettext_lazy("Lines"))
    def returned_lines(self, return_record):
        return ", ".join(str(line) for line in return_record.lines.all())
