from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.money import money_field
from orders.models.orders import Order


class PriceDiscrepancy(models.Model):
    """A line of an offline POS sale charged at another price than the catalog's (or of a
    product no longer sold). The sale stands (it happened); the store manager looks at it,
    and the customer earns the order's points only once every discrepancy is resolved.

    The catalog keeps no price history: the variant's price when the sale is recorded is
    taken as the price at that time.
    """

    class Reason(models.TextChoices):
        PRICE = "price", _("Charged another price")
        INACTIVE = "inactive", _("No longer sold")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="price_discrepancies")
    sku = models.CharField(max_length=64)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    quantity = models.PositiveIntegerField()
    charged_amount = money_field(help_text=_("The unit price the till charged."))
    catalog_amount = money_field(help_text=_("The catalog's unit price when it was recorded."))
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["resolved_at", "-created_at", "-id"]
        verbose_name_plural = _("price discrepancies")

    def __str__(self):
        return f"{self.order} {self.sku}: {self.charged_amount} ≠ {self.catalog_amount}"
