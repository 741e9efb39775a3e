from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Location(models.Model):
    """A place that holds stock: a warehouse or a store (which may hand over pick-ups)."""

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        STORE = "store", _("Store")

    code = models.SlugField(
        max_length=50, unique=True, help_text=_("Short stable id, e.g. hn-hang-giay.")
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    opening_hours = models.CharField(
        max_length=200, blank=True, help_text=_("As shown to shoppers, e.g. 08:00–21:00 daily.")
    )
    accepts_pickup = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="store") | models.Q(accepts_pickup=False),
                name="inventory_location_pickup_only_at_stores",
            ),
        ]

    def __str__(self):
        return self.name


class SalesChannel(models.Model):
    """A door through which stock is sold: the web store, a marketplace, a store's POS."""

    class Kind(models.TextChoices):
        WEB = "web", _("Web store")
        MARKETPLACE = "marketplace", _("Marketplace")
        POS = "pos", _("Point of sale")

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    locations = models.ManyToManyField(
        Location, through="ChannelLocation", related_name="channels", blank=True
    )
    safety_buffer = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("Units held back from what this channel may sell, per variant."),
    )
    publish_percentage = models.PositiveSmallIntegerField(
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Marketplaces: share of available stock to publish, rounded down."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(publish_percentage__lte=100),
                name="inventory_channel_publish_percentage_lte_100",
            ),
        ]

    def __str__(self):
        return self.name


class ChannelLocation(models.Model):
    """A location a channel sells from; lower priority numbers are used first."""

    channel = models.ForeignKey(
        SalesChannel, on_delete=models.CASCADE, related_name="channel_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="channel_locations"
    )
    priority = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1000)])

    class Meta:
        ordering = ["channel", "priority", "location_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "location"], name="inventory_channel_location_unique"
            ),
        ]

    def __str__(self):
        return f"{self.channel} ← {self.location} ({self.priority})"

    def clean(self):
        if self.channel.kind == SalesChannel.Kind.POS and self.location.kind != Location.Kind.STORE:
            raise ValidationError(_("A point-of-sale channel sells from a store, not a warehouse."))


# --- Catalog ------------------------------------------------------------------------------


def in_active_language(vietnamese: str, english: str) -> str:
    """The English text when the page is in English and there is one; else the Vietnamese."""
    if english and not (get_language() or "vi").startswith("vi"):
        return english
    return vietnamese


def gtin_checksum_is_valid(code: str) -> bool:
    """GS1 check digit of an EAN-13 (13 digits) or UPC-A (12 digits) barcode."""
    if not code.isdigit() or len(code) not in (12, 13):
        return False
    digits = [int(char) for char in code]
    body, check = digits[:-1], digits[-1]
    # Weights alternate 3, 1, ... counted from the digit next to the check digit.
    total = sum(digit * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin_with_check_digit(body: str) -> str:
    """Append the GS1 check digit to 11 (UPC-A) or 12 (EAN-13) digits."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def validate_barcode(value: str) -> None:
    if not gtin_checksum_is_valid(value):
        raise ValidationError(
            _("%(value)s is not a valid EAN-13 or UPC-A barcode (wrong length or check digit)."),
            code="invalid_barcode",
            params={"value": value},
        )


class Category(models.Model):
    """A node of the catalog tree (Gia vị → Hạt tiêu rừng)."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(10_000)])

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return in_active_language(self.name, self.name_en)

    def clean(self):
        node, seen = self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": _("A category cannot be its own ancestor.")})
            seen.add(node.pk)
            node = node.parent


class Product(models.Model):
    """What a shopper recognises (Mắc khén rừng Tây Bắc); sold as one or more variants."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    slug = models.SlugField(max_length=200, unique=True)
    name = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description (Vietnamese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    brand = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    search_text = models.TextField(
        blank=True,
        default="",
        editable=False,
        help_text=_(
            "Names, brand and SKUs without accents, for the store's search; kept by the "
            "catalog services."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="inventory_product_name_idx")]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return in_active_language(self.name, self.name_en)

    @property
    def display_description(self) -> str:
        return in_active_language(self.description, self.description_en)


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/")
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1000)])

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self):
        return self.alt or self.image.name


class Variant(models.Model):
    """What is counted, priced and scanned: one SKU (Mắc khén 100 g)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    barcode = models.CharField(
        max_length=13,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_barcode],
        help_text=_("EAN-13 or UPC-A, with its check digit."),
    )
    name = models.CharField(
        max_length=200, blank=True, help_text=_("What tells it apart, e.g. 100 g.")
    )
    option_values = models.JSONField(
        default=dict, blank=True, help_text=_('Such as {"weight": "100 g"}.')
    )
    price_amount = models.DecimalField(
        _("price"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("In the store currency, taxes included."),
    )
    compare_at_amount = models.DecimalField(
        _("compare-at price"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    position = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1000)])
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(
        auto_now=True, help_text=_("Tills sync the catalog by this time (with the id).")
    )

    class Meta:
        ordering = ["product", "position", "id"]
        indexes = [models.Index(fields=["updated_at", "id"], name="inventory_variant_sync_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_amount__gte=0), name="inventory_variant_price_gte_0"
            ),
        ]

    def __str__(self):
        return f"{self.product.name} {self.name}".strip() + f" ({self.sku})"

    def clean(self):
        # No barcode is NULL, not "": many variants may have none, but "" would be unique.
        self.barcode = (self.barcode or "").strip() or None


# --- Stock --------------------------------------------------------------------------------

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
