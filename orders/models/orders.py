from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.money import money_field
from inventory.models import Location, SalesChannel, Variant
from inventory.search import search_fold
from orders.models.tills import Shift, Terminal
from orders.statuses import OrderStatus


class OrderNumberSequence(models.Model):
    """The running number of each channel's orders: WEB-000123, SHOPEE-000045."""

    channel = models.OneToOneField(
        SalesChannel, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    prefix = models.CharField(max_length=20, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.prefix}-{self.last_value:06d}"


class Fulfilment(models.TextChoices):
    SHIP = "ship", _("Delivery")
    PICKUP = "pickup", _("Pick up in store")
    CARRY_OUT = "carry_out", _("Carried out at the till")


class Order(models.Model):
    """An order of any channel: the web store, a marketplace or a store's POS."""

    Status = OrderStatus
    # What erasure blanks (customers.services.customer_erase finds it through the relation,
    # as the merge does): field -> what it holds. Money, lines and numbers stay: the books.
    PERSONAL_DATA_FIELDS = {
        "contact_name": "name",
        "contact_search_name": "name",
        "contact_email": "email",
        "contact_phone": "phone",
        "shipping_address": "address",
        "note": "text",
    }

    number = models.CharField(max_length=40, unique=True)
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="orders")
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        help_text=_("The store of a POS sale or of a pick-up."),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    status = models.CharField(max_length=30, choices=OrderStatus.choices)
    fulfilment = models.CharField(max_length=20, choices=Fulfilment.choices)
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    subtotal_amount = money_field()
    discount_amount = money_field(default=0)
    shipping_amount = money_field(default=0)
    total_amount = money_field()
    voucher_code = models.CharField(max_length=40, blank=True)
    points_redeemed = models.PositiveIntegerField(default=0)
    contact_name = models.CharField(max_length=200, blank=True)
    # The contact name folded (no marks, lower case; kept by ``save``): the admin finds a
    # guest's order by "tran thi mai" (orders/admin/orders.py).
    contact_search_name = models.CharField(max_length=200, blank=True, default="", editable=False)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # Idempotency: a marketplace order is unique per (channel, external_ref); a POS sale per
    # client_uuid. ``request_fingerprint`` tells a true replay from a reused id.
    external_ref = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 (NULL = none; unique when set)
    client_uuid = models.UUIDField(null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    terminal = models.ForeignKey(
        Terminal, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    shift = models.ForeignKey(
        Shift, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sold_offline = models.BooleanField(
        default=False, help_text=_("Rung up while the terminal was offline, replayed later.")
    )
    late_sync = models.BooleanField(
        default=False, help_text=_("Arrived after its shift was closed.")
    )
    pickup_code = models.CharField(max_length=12, blank=True)
    # The staff member who handed a pick-up over at the store.
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    stock_reference = models.CharField(
        max_length=80, blank=True, help_text=_("What holds this order's stock in inventory.")
    )
    placed_at = models.DateTimeField(help_text=_("When the shopper bought (the till's clock)."))
    received_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    payment_due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("An unpaid order (bank transfer, card) is cancelled after this time."),
    )

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            # The admin's order list, newest first: its first page reads 100 index entries
            # instead of sorting every order (7.6 s at 1,000,000 orders, bench/growth.py).
            models.Index(fields=["-placed_at", "-id"], name="orders_order_placed_idx"),
            models.Index(fields=["customer", "-placed_at"]),
            # A sale's milestones read each channel's first two orders of its customer
            # (orders.services.rollups): two index entries per channel, however many orders.
            models.Index(fields=["customer", "channel", "id"], name="orders_order_milestone_idx"),
            models.Index(fields=["channel", "status", "-placed_at"]),
            # The admin's search by the phone the order was placed with.
            models.Index(fields=["contact_phone"], name="orders_order_contact_phone_idx"),
            # The unpaid-order sweep reads only the orders still waiting for their payment.
            models.Index(
                fields=["payment_due_at"],
                condition=models.Q(status="pending_payment"),
                name="orders_order_unpaid_due_idx",
            ),
        ]
        # Named permissions for what "change" does not say; granted per role in config.roles.
        permissions = [("fulfil_order", "Can move orders along (confirm, ship, complete, cancel)")]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_ref"],
                condition=models.Q(external_ref__isnull=False),
                name="orders_order_external_ref_unique_per_channel",
            ),
            models.CheckConstraint(
                condition=models.Q(total_amount__gte=0), name="orders_order_total_gte_0"
            ),
            models.CheckConstraint(
                condition=~models.Q(fulfilment__in=["pickup", "carry_out"])
                | models.Q(location__isnull=False),
                name="orders_order_store_fulfilment_has_location",
            ),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.search_fields_fold()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "contact_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "contact_search_name"}
        super().save(*args, **kwargs)

    def search_fields_fold(self) -> None:
        """Fill the folded copies the admin searches (any save does; so must a bulk insert)."""
        self.contact_search_name = search_fold(self.contact_name)

    @property
    def reference(self) -> str:
        """How stock reservations, loyalty entries and payments point at this order."""
        return f"order:{self.number}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="order_lines")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=300, help_text=_("The product's name when sold."))
    quantity = models.PositiveIntegerField()
    unit_price_amount = money_field()
    discount_amount = money_field(default=0)
    total_amount = money_field()
    returned_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="orders_line_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=models.Q(returned_quantity__lte=models.F("quantity")),
                name="orders_line_returned_lte_quantity",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku}"

    @property
    def returnable_quantity(self) -> int:
        return self.quantity - self.returned_quantity


class Payment(models.Model):
    """Money in (a tender) or out (a refund) for an order. Split tenders are several rows."""

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer (VietQR)")
        COD = "cod", _("Cash on delivery")
        EWALLET = "ewallet", _("E-wallet (MoMo, ZaloPay, VNPay)")
        MARKETPLACE = "marketplace", _("Settled by the marketplace")
        LOYALTY = "loyalty", _("Loyalty points")

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CAPTURED = "captured", _("Captured")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PAYMENT)
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    amount = money_field(help_text=_("What this tender pays (or refunds), change excluded."))
    tendered_amount = money_field(
        null=True, blank=True, help_text=_("Cash handed over by the shopper.")
    )
    change_amount = money_field(null=True, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    vietqr_payload = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="orders_payment_amount_gt_0"
            ),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount}"
