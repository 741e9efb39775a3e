from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.money import money_field
from inventory.models import SalesChannel, Variant


class Bundle(models.Model):
    """A combo: these variants, in these quantities, together at ``price_amount``.

    Applied by the pricing of every channel (web checkout, POS) when an order's lines
    contain the whole set; the saving is shared over the set's lines.
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    price_amount = money_field(help_text=_("What the whole set costs together."))
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    channels = models.ManyToManyField(
        SalesChannel,
        related_name="bundles",
        blank=True,
        help_text=_("Where the combo price applies; none means every channel."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_amount__gt=0), name="orders_bundle_price_gt_0"
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="orders_bundle_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.is_active
            and (self.starts_at is None or self.starts_at <= now)
            and (self.ends_at is None or now < self.ends_at)
        )


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="bundle_items")
    quantity = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )

    class Meta:
        ordering = ["bundle", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "variant"], name="orders_bundleitem_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="orders_bundleitem_quantity_gt_0"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant}"
