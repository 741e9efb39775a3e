"""What delivery costs: a fee per province (or everywhere else), by the order's value."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config import divisions
from config.money import money_field


class ShippingRule(models.Model):
    """From ``min_order_amount`` up, deliveries to ``province_code`` cost ``fee_amount``.

    Rules of a province beat the rules for everywhere (blank province). Of those, the rule
    with the highest ``min_order_amount`` the order reaches applies; a fee of 0 is free
    delivery ("free from 500,000 đ"). The order's value is its goods' subtotal, before
    vouchers and points. With no active rule at all, delivery is free.
    """

    name = models.CharField(_("name"), max_length=100, help_text=_("E.g. Inner Hà Nội."))
    province_code = models.CharField(
        _("province / city"),
        max_length=2,
        blank=True,
        choices=divisions.province_choices,
        help_text=_("Blank: every province that has no rule of its own."),
    )
    min_order_amount = money_field(
        _("from an order value of"),
        default=0,
        help_text=_("The goods' subtotal, before vouchers and points."),
    )
    fee_amount = money_field(_("fee"), help_text=_("0 means free delivery."))
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["province_code", "min_order_amount"]
        verbose_name = _("shipping rule")
        verbose_name_plural = _("shipping rules")
        constraints = [
            models.UniqueConstraint(
                fields=["province_code", "min_order_amount", "currency"],
                condition=models.Q(is_active=True),
                name="orders_shippingrule_one_active_per_province_and_step",
            ),
        ]

    def __str__(self):
        return self.name
