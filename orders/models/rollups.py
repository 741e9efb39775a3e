"""Sales rollups: what the dashboard reads instead of scanning orders.

Two grains, each kept per day and per month (the shop's time zone,
``settings.SHOP_TIME_ZONE``), channel and store (none for a web or marketplace order that
no store serves):

* :class:`DailySales` / :class:`MonthlySales` — per variant: how many orders held it,
  units, revenue, returns;
* :class:`DailyChannelSales` / :class:`MonthlyChannelSales` — per order: orders, units,
  revenue, returns (AOV needs the order count, which the variant grain cannot add up), and
  the customers' milestones (first order, returning order, second order, first order in a
  second channel), which add up over any period where a count of distinct customers
  would have to scan the orders.

The month rows are the day rows added up: a long period reads its whole months from them
(a dozen rows per key instead of 365). Kept up to date by ``orders.services.rollups`` in
the same transaction as the order, the cancellation or the return;
``manage.py reports_rebuild`` recomputes all four from scratch.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from config.money import money_field
from inventory.models import Location, SalesChannel, Variant


class _Figures(models.Model):
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The location's id, or 0 for none: a NULL never conflicts in a unique index, so the
    # upsert's key needs a value that does (on SQLite and PostgreSQL alike).
    store_key = models.PositiveBigIntegerField(default=0)
    order_count = models.IntegerField(default=0)
    units = models.IntegerField(default=0)
    revenue_amount = money_field(default=0, maximum=None)
    returned_units = models.IntegerField(default=0)
    returned_amount = money_field(default=0, maximum=None)

    class Meta:
        abstract = True


class _CustomerFigures(models.Model):
    """A customer's milestones, counted on the day (and channel, store) of the order that
    reached them, among the customer's orders that are not cancelled, in the order they
    were recorded: additive, so "how many new customers this week" is a sum."""

    new_customer_count = models.IntegerField(
        default=0, help_text=_("Orders that were their customer's first.")
    )
    returning_order_count = models.IntegerField(
        default=0, help_text=_("Orders of a customer who had ordered before.")
    )
    repeat_customer_count = models.IntegerField(
        default=0, help_text=_("Orders that were their customer's second.")
    )
    multichannel_customer_count = models.IntegerField(
        default=0, help_text=_("Orders that were their customer's first in a second channel.")
    )

    class Meta:
        abstract = True


class DailyChannelSales(_Figures, _CustomerFigures):
    on = models.DateField(help_text=_("The day, in the shop's time zone."))

    class Meta:
        verbose_name = _("daily sales by channel")
        verbose_name_plural = _("daily sales by channel")
        constraints = [
            models.UniqueConstraint(
                fields=["on", "channel", "store_key"], name="orders_dailychannelsales_key"
            )
        ]
        indexes = [models.Index(fields=["on", "channel"], name="orders_dcs_on_channel")]

    def __str__(self):
        return f"{self.on} {self.channel_id}/{self.store_key}"


class DailySales(_Figures):
    on = models.DateField(help_text=_("The day, in the shop's time zone."))
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("daily sales by product")
        verbose_name_plural = _("daily sales by product")
        constraints = [
            models.UniqueConstraint(
                fields=["on", "channel", "store_key", "variant"], name="orders_dailysales_key"
            )
        ]
        indexes = [models.Index(fields=["on", "channel"], name="orders_ds_on_channel")]

    def __str__(self):
        return f"{self.on} {self.channel_id}/{self.store_key} #{self.variant_id}"


class MonthlyChannelSales(_Figures, _CustomerFigures):
    month = models.DateField(help_text=_("The month's first day, in the shop's time zone."))

    class Meta:
        verbose_name = _("monthly sales by channel")
        verbose_name_plural = _("monthly sales by channel")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "channel", "store_key"], name="orders_monthlychannelsales_key"
            )
        ]
        indexes = [models.Index(fields=["month", "channel"], name="orders_mcs_month_channel")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.channel_id}/{self.store_key}"


class MonthlySales(_Figures):
    month = models.DateField(help_text=_("The month's first day, in the shop's time zone."))
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("monthly sales by product")
        verbose_name_plural = _("monthly sales by product")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "channel", "store_key", "variant"],
                name="orders_monthlysales_key",
            )
        ]
        indexes = [models.Index(fields=["month", "channel"], name="orders_ms_month_channel")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.channel_id}/{self.store_key} #{self.variant_id}"
