"""Goods receipts: a supplier's delivery counted in at one location, line by line at cost."""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.money import money_field
from inventory.models.catalog import Variant
from inventory.models.places import Location
from inventory.models.stock import QUANTITY_LIMIT, StockMovement
from inventory.search import search_fold

# Mã số thuế: 10 digits for a company, 10-3 for one of its branches.
TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")


class Supplier(models.Model):
    """Who delivers goods (a farm cooperative, a distributor)."""

    name = models.CharField(pgettext_lazy("goods receipt", "name"), max_length=200)
    phone = models.CharField(pgettext_lazy("goods receipt", "phone"), max_length=20, blank=True)
    tax_code = models.CharField(
        _("tax code"),
        max_length=14,
        blank=True,
        validators=[
            RegexValidator(TAX_CODE, _("10 digits, or 10 digits, a hyphen and 3 for a branch."))
        ],
    )
    is_active = models.BooleanField(pgettext_lazy("goods receipt", "active"), default=True)
    # The name folded (no marks, lower case; kept by ``save``): the admin finds "HTX Tây
    # Bắc" by "tay bac" (inventory/admin_receipts.py).
    search_name = models.CharField(max_length=200, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code"],
                condition=~models.Q(tax_code=""),
                name="inventory_supplier_tax_code_unique",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_fold(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        # Phones are kept in E.164, the way customers' are (0912 345 678 → +84912345678).
        text = (self.phone or "").strip()
        if not text:
            self.phone = ""
            return
        try:
            number = phonenumbers.parse(text, "VN")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            raise ValidationError({"phone": pgettext_lazy("goods receipt", "Not a phone number.")})
        self.phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class GoodsReceipt(models.Model):
    """One delivery received at one location; each line is one receipt movement of the ledger."""

    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="goods_receipts",
        verbose_name=pgettext_lazy("goods receipt", "location"),
    )
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goods_receipts",
        verbose_name=_("supplier"),
    )
    supplier_reference = models.CharField(
        _("delivery note"),
        max_length=100,
        blank=True,
        help_text=_("The supplier's delivery note or invoice number."),
    )
    note = models.CharField(pgettext_lazy("goods receipt", "note"), max_length=300, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="goods_receipts",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    total_cost_amount = money_field(_("total cost"), default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("goods receipt")
        verbose_name_plural = _("goods receipts")
        indexes = [
            models.Index(fields=["location", "-received_at"], name="inventory_receipt_loc_idx")
        ]

    def __str__(self):
        return _("Receipt #%(id)s") % {"id": self.pk}

    @property
    def reference(self) -> str:
        """What its stock movements carry (``receipt:12``)."""
        return f"receipt:{self.pk}"


class GoodsReceiptLine(models.Model):
    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        Variant,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("goods receipt", "variant"),
    )
    quantity = models.PositiveIntegerField(
        pgettext_lazy("goods receipt", "quantity"),
        validators=[MinValueValidator(1), MaxValueValidator(QUANTITY_LIMIT)],
    )
    unit_cost_amount = money_field(_("unit cost"))
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="receipt_line"
    )

    class Meta:
        ordering = ["receipt", "id"]
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="inventory_receiptline_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_cost_amount__gte=0),
                name="inventory_receiptline_cost_gte_0",
            ),
        ]

    def __str__(self):
        return f"{self.variant_id} × {self.quantity}"
