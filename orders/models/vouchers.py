from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.money import money_field
from inventory.models import SalesChannel
from orders.models.orders import Order


class Voucher(models.Model):
    """A discount: one shared code, or many single-use codes generated in bulk."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed amount")
        PERCENTAGE = "percentage", _("Percentage")

    name = models.CharField(max_length=200)
    code = models.CharField(
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The shared code; leave empty for a batch of single-use codes."),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        validators=[MaxValueValidator(10**11)],
        help_text=_("Đồng off, or percent off."),
    )
    max_discount_amount = money_field(null=True, blank=True)
    min_order_amount = money_field(default=0)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10**9)]
    )
    per_customer_limit = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10**9)]
    )
    used_count = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(10**9)])
    channels = models.ManyToManyField(SalesChannel, related_name="vouchers", blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="percentage") | models.Q(value__lte=100),
                name="orders_voucher_percentage_lte_100",
            ),
            models.CheckConstraint(condition=models.Q(value__gt=0), name="orders_voucher_gt_0"),
        ]

    def __str__(self):
        return self.name


class VoucherCode(models.Model):
    """One single-use code of a voucher."""

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=40, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["voucher", "code"]

    def __str__(self):
        return self.code


class VoucherRedemption(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    voucher_code = models.OneToOneField(
        VoucherCode, on_delete=models.PROTECT, null=True, blank=True, related_name="redemption"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voucher_redemptions",
    )
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="voucher_redemption")
    discount_amount = money_field()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.voucher} → {self.order}"
