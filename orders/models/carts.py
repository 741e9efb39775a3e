import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models import Location, SalesChannel, Variant
from orders.models.orders import Fulfilment, Order
from orders.models.quotes import Quote


class Cart(models.Model):
    """A web shopper's cart, for a guest (by session) or a logged-in shopper."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONVERTED = "converted", _("Became an order")
        MERGED = "merged", _("Merged into the account's cart")

    # What erasure blanks (see Order.PERSONAL_DATA_FIELDS).
    PERSONAL_DATA_FIELDS = {
        "contact_name": "name",
        "contact_email": "email",
        "contact_phone": "phone",
        "shipping_address": "address",
    }

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="carts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="carts",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carts",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    fulfilment = models.CharField(max_length=20, choices=Fulfilment.choices, default="ship")
    pickup_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hold_reference = models.CharField(max_length=80, blank=True)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="cart"
    )
    # A cart that checks a quote out at its prices (orders.services.quotes): beside the
    # shopper's own cart, never merged with it, and its lines are the quote's.
    quote = models.ForeignKey(
        Quote, on_delete=models.PROTECT, null=True, blank=True, related_name="carts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="open", user__isnull=False, quote__isnull=True),
                name="orders_cart_one_open_per_user",
            ),
            models.UniqueConstraint(
                fields=["quote"],
                condition=models.Q(status="open", quote__isnull=False),
                name="orders_cart_one_open_per_quote",
            ),
        ]

    def __str__(self):
        return str(self.token)


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="orders_cartline_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="orders_cartline_quantity_gt_0"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant_id}"
