from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.money import money_field
from inventory.models import Location
from orders.models.orders import Order, OrderLine, Payment
from orders.models.tills import Terminal


class Return(models.Model):
    """Goods brought back to a store, from an order of any channel."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="returns")
    reason = models.CharField(max_length=300)
    refund_method = models.CharField(max_length=20, choices=Payment.Method.choices)
    refund_amount = money_field()
    points_reversed = models.PositiveIntegerField(default=0)
    client_uuid = models.UUIDField(null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    terminal = models.ForeignKey(
        Terminal, on_delete=models.PROTECT, null=True, blank=True, related_name="returns"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return _("Return of %(order)s") % {"order": self.order}


class ReturnLine(models.Model):
    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    refund_amount = money_field()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="orders_returnline_quantity_gt_0"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.order_line.sku}"
