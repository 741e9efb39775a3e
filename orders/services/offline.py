"""Sales a till made while offline: recorded because they happened, never trusted blindly.

A replayed sale's ``placed_at`` must lie in the past (``POS_CLOCK_SKEW_SECONDS`` of clock
skew allowed) and inside one of the terminal's shifts; with no shift covering it, not
before the open shift began and not older than ``POS_OFFLINE_MAX_HOURS``. Its prices are
compared with the catalog's: the catalog keeps no price history, so the variant's price
when the sale is recorded is taken as the price at that time. A line charged at another
price, or of a product no longer sold, is kept as charged and raises a
:class:`~orders.models.PriceDiscrepancy` for the store manager; the customer earns the
order's points only once the manager has resolved every one of them.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.money import money_round
from orders.exceptions import OfflineSaleInvalid
from orders.models import Order, PriceDiscrepancy, Terminal
from orders.services.placing import PricedLine, order_points_earn
from orders.statuses import OrderStatus


def sale_placed_at_check(*, terminal: Terminal, placed_at: datetime) -> None:
    """Refuse a ``placed_at`` in the future or outside the terminal's shifts (nothing written)."""
    now = timezone.now()
    skew = timedelta(seconds=settings.POS_CLOCK_SKEW_SECONDS)
    if placed_at > now + skew:
        raise OfflineSaleInvalid(
            _("The sale's time is in the future; check the till's clock."),
            fields={"placed_at": [_("Must not be later than now.")]},
        )
    shifts = terminal.shifts.filter(opened_at__lte=placed_at + skew)
    if shifts.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=placed_at - skew)).exists():
        return
    if terminal.shifts.filter(closed_at__isnull=True).exists():
        raise OfflineSaleInvalid(
            _("The sale's time is before this till's shift began and in no earlier shift."),
            fields={"placed_at": [_("Must lie inside one of this till's shifts.")]},
        )
    if placed_at < now - timedelta(hours=settings.POS_OFFLINE_MAX_HOURS):
        raise OfflineSaleInvalid(
            _("The sale is older than %(hours)d hours and in none of this till's shifts; a "
              "manager must record it.") % {"hours": settings.POS_OFFLINE_MAX_HOURS},
            fields={"placed_at": [_("Too old.")]},
        )  # fmt: skip


def price_discrepancies_find(*, lines: list[PricedLine], currency: str) -> list[PriceDiscrepancy]:
    """The lines charged otherwise than the catalog says now (unsaved rows, no order yet)."""
    found = []
    for line in lines:
        variant = line.variant
        catalog = money_round(variant.price_amount, currency)
        if not (variant.is_active and variant.product.is_active):
            reason = PriceDiscrepancy.Reason.INACTIVE
        elif line.unit_price_amount != catalog:
            reason = PriceDiscrepancy.Reason.PRICE
        else:
            continue
        found.append(
            PriceDiscrepancy(
                sku=variant.sku,
                reason=reason,
                quantity=line.quantity,
                charged_amount=line.unit_price_amount,
                catalog_amount=catalog,
            )
        )
    return found


def price_discrepancies_record(
    *, order: Order, discrepancies: list[PriceDiscrepancy]
) -> list[PriceDiscrepancy]:
    """File the discrepancies under the order, in the sale's transaction."""
    for discrepancy in discrepancies:
        discrepancy.order = order
    return PriceDiscrepancy.objects.bulk_create(discrepancies)


@transaction.atomic
def price_discrepancy_resolve(*, discrepancy: PriceDiscrepancy, actor) -> PriceDiscrepancy:
    """A manager has looked at the line: resolved. Once the order has none left open, its
    customer earns the points the sale held back (once, whatever is resolved twice)."""
    updated = PriceDiscrepancy.objects.filter(pk=discrepancy.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor
    )
    discrepancy.refresh_from_db()
    if not updated:
        return discrepancy
    order = Order.objects.select_related("customer").get(pk=discrepancy.order_id)
    still_open = order.price_discrepancies.filter(resolved_at__isnull=True).exists()
    if not still_open and order.customer_id and order.status == OrderStatus.COMPLETED:
        order_points_earn(order=order)
    return discrepancy
