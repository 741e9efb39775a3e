"""Daily sales rollups: what the dashboard reads instead of scanning orders.

Two grains, both per day in the shop's zone (``settings.SHOP_TIME_ZONE``), channel and
store (none for a web or marketplace order that no store serves):

* :class:`DailySales` — per variant: how many orders held it, units, revenue, returns;
* :class:`DailyChannelSales` — per order: orders, units, revenue, returns (AOV needs the
  order count, which the variant grain cannot add up).

Kept up to date by ``orders.services.rollups`` in the same transaction as the order, the
cancellation or the return; ``manage.py reports_rebuild`` recomputes them from scratch.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from config.money import money_field
from inventory.models import Location, SalesChannel, Variant


class _DailyFigures(models.Model):
    on = models.DateField(help_text=_("The day, in the shop's time zone."))
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

    def __str__(self):
        return f"{self.on} {self.channel_id}/{self.store_key}"


class DailyChannelSales(_DailyFigures):
    class Meta:
        verbose_name = _("daily sales by channel")
        verbose_name_plural = _("daily sales by channel")
        constraints = [
            models.UniqueConstraint(
                fields=["on", "channel", "store_key"], name="orders_dailychannelsales_key"
            )
        ]
        indexes = [models.Index(fields=["on", "channel"], name="orders_dcs_on_channel")]


class DailySales(_DailyFigures):
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
