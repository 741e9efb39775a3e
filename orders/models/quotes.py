"""Quotes: prices staff promise one customer for a while, taken up online or at the till.

A quote is built by staff (the admin, or a till) for one customer at one store: lines at
the quoted unit prices, a discount on the whole, a validity. Once sent the customer sees it
in their web account and may check it out at those prices, or a cashier rings it up. It is
taken up once (``order``), and not after ``expires_at``. It reserves no stock: the stock is
checked when the checkout holds it or the till sells it.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.money import money_field
from inventory.models import Location, Variant
from orders.models.orders import Order
from orders.models.tills import Terminal


class Quote(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent to the customer")
        ACCEPTED = "accepted", _("Ordered")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    PERSONAL_DATA_FIELDS = {"note": "text"}

    # Set from the id once the row exists (BG-000042); NULL only inside that transaction.
    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name=_("customer"),
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name=_("store"),
        help_text=_("The store that made the quote."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    discount_amount = money_field(
        _("discount"), default=0, help_text=_("Taken off the quoted lines' total.")
    )
    expires_at = models.DateTimeField(_("valid until"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    terminal = models.ForeignKey(
        Terminal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("terminal"),
        help_text=_("The till that made the quote, if one did."),
    )
    order = models.OneToOneField(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quote",
        verbose_name=_("order"),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [models.Index(fields=["customer", "status"], name="orders_quote_customer")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(order__isnull=False),
                name="orders_quote_accepted_has_order",
            ),
        ]

    def __str__(self):
        return self.number or _("New quote")

    def lapsed(self, now=None) -> bool:
        """Past its validity (whatever its stored status says)."""
        return self.expires_at <= (now or timezone.now())

    @property
    def state(self) -> str:
        """The status the customer and staff see: a sent quote past its validity is expired
        even before the sweep (``quotes_expire``) writes it."""
        if self.status in (self.Status.DRAFT, self.Status.SENT) and self.lapsed():
            return self.Status.EXPIRED
        return self.status

    def get_state_display(self) -> str:
        return self.Status(self.state).label

    @property
    def subtotal_amount(self) -> Decimal:
        return sum((line.total_amount for line in self.lines.all()), Decimal(0))

    @property
    def total_amount(self) -> Decimal:
        return max(self.subtotal_amount - self.discount_amount, Decimal(0))


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="+", verbose_name=_("variant")
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price_amount = money_field(_("quoted unit price"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        constraints = [
            models.UniqueConstraint(fields=["quote", "variant"], name="orders_quoteline_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="orders_quoteline_quantity_gt_0"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant_id}"

    @property
    def total_amount(self) -> Decimal:
        return self.unit_price_amount * self.quantity
