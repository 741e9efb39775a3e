"""Marketplace shops, their listings, the webhook events they send, orders held for staff,
and the log of every stock figure pushed to them."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models import QUANTITY_LIMIT, SalesChannel, Variant


class Platform(models.TextChoices):
    SHOPEE = "shopee", "Shopee"
    LAZADA = "lazada", "Lazada"
    TIKTOK = "tiktok", "TikTok Shop"
    TIKI = "tiki", "Tiki"


class MarketplaceShop(models.Model):
    """One seller account on one platform, feeding one marketplace sales channel.

    The channel's safety buffer and publish percentage decide what is pushed. Secrets
    (partner key / app secret, access token, webhook secret) are not stored here: they come
    from ``settings.MARKETPLACE_CREDENTIALS["<platform>:<shop_id>"]`` (environment).
    """

    platform = models.CharField(max_length=20, choices=Platform.choices)
    shop_id = models.CharField(
        max_length=64, help_text=_("The platform's id of the shop (the URL uses it).")
    )
    name = models.CharField(max_length=200)
    channel = models.ForeignKey(
        SalesChannel,
        on_delete=models.PROTECT,
        related_name="marketplace_shops",
        limit_choices_to={"kind": SalesChannel.Kind.MARKETPLACE},
    )
    api_base_url = models.URLField(
        help_text=_("e.g. https://partner.shopeemobile.com or the simulator's address.")
    )
    partner_id = models.CharField(
        max_length=64, blank=True, help_text=_("Shopee partner id / Lazada or TikTok app key.")
    )
    webhook_url = models.URLField(
        blank=True,
        help_text=_(
            "The address registered with the platform, when it differs from what this server "
            "sees (behind a proxy); Shopee signs it."
        ),
    )
    requests_per_second = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    is_active = models.BooleanField(default=True)
    # What the last push assumed of the channel: a change (flash sale: publish 30 %) marks
    # every listing dirty at the next sync.
    pushed_safety_buffer = models.PositiveIntegerField(null=True, blank=True, editable=False)
    pushed_publish_percentage = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False
    )
    orders_synced_to = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("The pull job's cursor.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "shop_id"], name="orders_marketplaceshop_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_platform_display()} · {self.name}"


class Listing(models.Model):
    """A marketplace item/model and the variant of ours it sells (none: unmapped).

    Dirty marks count changes not yet pushed; the push clears them only if nothing was
    marked meanwhile (``dirty_count`` unchanged), so no change is lost to a race.
    """

    shop = models.ForeignKey(MarketplaceShop, on_delete=models.CASCADE, related_name="listings")
    item_id = models.CharField(max_length=64)
    model_id = models.CharField(max_length=64, blank=True, default="")
    seller_sku = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=300, blank=True)
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, null=True, blank=True, related_name="listings"
    )
    last_pushed_quantity = models.IntegerField(null=True, blank=True, editable=False)
    last_pushed_at = models.DateTimeField(null=True, blank=True, editable=False)
    platform_quantity = models.IntegerField(
        null=True, blank=True, editable=False, help_text=_("As read by the last reconciliation.")
    )
    reconciled_at = models.DateTimeField(null=True, blank=True, editable=False)
    dirty_count = models.PositiveIntegerField(default=0, editable=False)
    dirty_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop", "item_id", "model_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "item_id", "model_id"], name="orders_listing_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["shop", "dirty_since"],
                name="orders_listing_dirty_idx",
                condition=models.Q(dirty_count__gt=0),
            ),
        ]

    def __str__(self):
        suffix = f"/{self.model_id}" if self.model_id else ""
        return f"{self.item_id}{suffix} ({self.seller_sku or '—'})"

    @property
    def is_mapped(self) -> bool:
        return self.variant_id is not None

    @property
    def drift(self) -> int | None:
        if self.platform_quantity is None or self.last_pushed_quantity is None:
            return None
        return self.platform_quantity - self.last_pushed_quantity


class WebhookEvent(models.Model):
    """A webhook as it arrived (signature checked), stored before anything else happens."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSING = "processing", _("Processing")
        PROCESSED = "processed", _("Processed")
        HELD = "held", _("Order held for staff")
        IGNORED = "ignored", _("Ignored (not an order update)")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey(MarketplaceShop, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(
        max_length=100, help_text=_("The platform's id, or the body's SHA-256 when it has none.")
    )
    body = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    external_ref = models.CharField(max_length=100, blank=True)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "event_id"], name="orders_webhookevent_unique"),
        ]
        indexes = [
            models.Index(
                fields=["status", "received_at"],
                name="orders_webhook_pending_idx",
                condition=models.Q(status__in=["received", "processing"]),
            ),
        ]

    def __str__(self):
        return f"{self.shop} · {self.event_id[:16]} ({self.status})"


class HeldOrder(models.Model):
    """A marketplace order that could not be recorded as it came: kept whole for staff."""

    class Reason(models.TextChoices):
        NEEDS_MAPPING = "needs_mapping", _("Needs mapping")
        SHORT_STOCK = "short_stock", _("Short of stock")

    class Status(models.TextChoices):
        HELD = "held", _("Held")
        RELEASED = "released", _("Released")
        CLOSED = "closed", _("Closed (cancelled on the platform)")

    shop = models.ForeignKey(MarketplaceShop, on_delete=models.PROTECT, related_name="held_orders")
    external_ref = models.CharField(max_length=100)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HELD)
    payload = models.JSONField(help_text=_("The order as the platform sent it."))
    platform_status = models.CharField(max_length=20, help_text=_("The latest status heard of."))
    unmapped_items = models.JSONField(default=list, blank=True)
    detail = models.TextField(blank=True)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "external_ref"], name="orders_heldorder_unique"
            ),
        ]

    def __str__(self):
        return f"{self.shop} · {self.external_ref} ({self.get_reason_display()})"


class StockSyncLog(models.Model):
    """One figure sent to (or read from) a platform for one listing, and the answer."""

    class Kind(models.TextChoices):
        PUSH = "push", _("Push")
        RECONCILE = "reconcile", _("Reconciliation found drift")

    class Outcome(models.TextChoices):
        OK = "ok", _("Accepted")
        RATE_LIMITED = "rate_limited", _("Rate limited (will retry)")
        FAILED = "failed", _("Failed")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="sync_logs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity = models.IntegerField(validators=[MaxValueValidator(QUANTITY_LIMIT)])
    platform_quantity = models.IntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    answer = models.CharField(max_length=500, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["listing", "-created_at"], name="orders_synclog_listing_idx")
        ]

    def __str__(self):
        return f"{self.listing} ← {self.quantity} ({self.outcome})"


class SyncCursor(models.Model):
    """A named, durable position of a job that walks changes (the stock scan)."""

    name = models.CharField(max_length=50, unique=True)
    position = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.position.isoformat()}"
