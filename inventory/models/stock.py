"""Stock: levels per variant and location, reservations, the ledger, discrepancies, transfers."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models.catalog import Variant
from inventory.models.places import Location, SalesChannel

QUANTITY_LIMIT = 1_000_000_000


class StockLevel(models.Model):
    """How many units of one variant one location holds, and how many of them are promised.

    ``on_hand`` moves only through services that write a :class:`StockMovement` in the same
    transaction; ``reserved`` always equals the sum of the active reservations.
    """

    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(
        default=0,
        editable=False,
        validators=[MinValueValidator(-QUANTITY_LIMIT), MaxValueValidator(QUANTITY_LIMIT)],
    )
    reserved = models.IntegerField(
        default=0,
        editable=False,
        validators=[MinValueValidator(0), MaxValueValidator(QUANTITY_LIMIT)],
    )
    low_stock_threshold = models.PositiveIntegerField(
        default=5,
        validators=[MaxValueValidator(QUANTITY_LIMIT)],
        help_text=_("Listed as low stock when the available quantity is at or below this."),
    )

    class Meta:
        ordering = ["variant", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "location"], name="inventory_stocklevel_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0), name="inventory_stocklevel_reserved_gte_0"
            ),
        ]

    def __str__(self):
        return f"{self.variant.sku} @ {self.location.code}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Units of a stock level promised to something (``reference``, e.g. ``order:WEB-000123``).

    A checkout hold expires; an order allocation does not. Only active rows count in
    ``StockLevel.reserved``.
    """

    class Kind(models.TextChoices):
        HOLD = "hold", _("Checkout hold")
        ALLOCATION = "allocation", _("Order allocation")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")
        SOLD = "sold", _("Sold")

    stock_level = models.ForeignKey(
        StockLevel, on_delete=models.PROTECT, related_name="reservations"
    )
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="reservations")
    reference = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(QUANTITY_LIMIT)]
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["reference", "status"], name="inventory_resv_reference_idx"),
            models.Index(
                fields=["expires_at"],
                name="inventory_resv_active_hold_idx",
                condition=models.Q(status="active", kind="hold"),
            ),
            # Read by stock_changed_variant_ids: what changed since a moment.
            models.Index(fields=["created_at"], name="inventory_resv_created_idx"),
            models.Index(fields=["closed_at"], name="inventory_resv_closed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="inventory_reservation_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="allocation") | models.Q(expires_at__isnull=False),
                name="inventory_reservation_hold_expires",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.quantity} × {self.stock_level_id} ({self.status})"


class StockMovement(models.Model):
    """One line of the append-only stock ledger. For every stock level,
    ``on_hand`` equals the sum of its movements' quantities."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        SALE = "sale", _("Sale")
        RETURN = "return", _("Return")
        ADJUSTMENT = "adjustment", _("Adjustment")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        COUNT = "count", _("Count correction")
        OFFLINE_SALE = "offline_sale", _("Offline sale")

    stock_level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity = models.IntegerField(
        validators=[MinValueValidator(-QUANTITY_LIMIT), MaxValueValidator(QUANTITY_LIMIT)],
        help_text=_("Signed: positive adds to on hand, negative takes away."),
    )
    reason = models.CharField(max_length=300, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    channel = models.ForeignKey(
        SalesChannel, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stock_movements",
    )
    actor_label = models.CharField(
        max_length=150, blank=True, help_text=_("Who did it: a username or a terminal.")
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["stock_level", "-created_at"], name="inventory_move_level_idx"),
            models.Index(fields=["reference"], name="inventory_move_reference_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(quantity=0), name="inventory_movement_quantity_not_0"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity:+d} ({self.reference})"


class StockDiscrepancy(models.Model):
    """A sale that already happened took more than the shelf had: for the store manager."""

    stock_level = models.ForeignKey(
        StockLevel, on_delete=models.PROTECT, related_name="discrepancies"
    )
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="discrepancy"
    )
    shortfall = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(QUANTITY_LIMIT)],
        help_text=_("Units sold beyond what was available."),
    )
    reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("stock discrepancies")

    def __str__(self):
        return f"{self.stock_level}: {self.shortfall} short ({self.reference})"


class StockTransfer(models.Model):
    """Stock on its way from one location to another: dispatched, then received (maybe in parts)."""

    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("In transit")
        PARTIALLY_RECEIVED = "partially_received", _("Partially received")
        RECEIVED = "received", _("Received")

    source = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_out")
    destination = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_in")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_TRANSIT)
    note = models.CharField(max_length=300, blank=True)
    dispatched_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-dispatched_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source=models.F("destination")),
                name="inventory_transfer_distinct_locations",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.source} → {self.destination}"

    @property
    def reference(self) -> str:
        return f"transfer:{self.pk}"


class StockTransferLine(models.Model):
    transfer = models.ForeignKey(StockTransfer, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(QUANTITY_LIMIT)]
    )
    received_quantity = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(QUANTITY_LIMIT)]
    )

    class Meta:
        ordering = ["transfer", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "variant"], name="inventory_transferline_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(received_quantity__lte=models.F("quantity")),
                name="inventory_transferline_received_lte_dispatched",
            ),
        ]

    def __str__(self):
        return f"{self.variant.sku}: {self.received_quantity}/{self.quantity}"

    @property
    def in_transit(self) -> int:
        return self.quantity - self.received_quantity
