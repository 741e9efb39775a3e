"""Changes of on-hand stock: each writes its ledger line in the same transaction."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from inventory import locks
from inventory.exceptions import InsufficientStock, InvalidQuantity
from inventory.models import (
    QUANTITY_LIMIT,
    Location,
    SalesChannel,
    StockDiscrepancy,
    StockLevel,
    StockMovement,
)
from inventory.services.lines import (
    StockLine,
    actor_fields,
    lines_merged,
    location_check_active,
    stock_levels_ensure,
    variants_by_sku,
)


def _add_on_hand(
    *,
    location: Location,
    lines: Sequence[StockLine],
    kind: str,
    reference: str,
    reason: str,
    channel: SalesChannel | None,
    actor,
    actor_label: str,
) -> list[StockMovement]:
    quantities = lines_merged(lines)
    variants = variants_by_sku(quantities)
    levels = stock_levels_ensure(variants=list(variants.values()), location=location)
    movements = []
    # Rows are updated in stock level id order, the order every stock transaction uses.
    for sku, quantity in sorted(
        quantities.items(), key=lambda item: levels[variants[item[0]].pk].pk
    ):
        level = levels[variants[sku].pk]
        StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
        movements.append(
            StockMovement(
                stock_level=level,
                kind=kind,
                quantity=quantity,
                reference=reference,
                reason=reason,
                channel=channel,
                **actor_fields(actor, actor_label),
            )
        )
    return StockMovement.objects.bulk_create(movements)


@transaction.atomic
def stock_receive(
    *,
    location: Location,
    lines: Sequence[StockLine],
    reference: str = "",
    reason: str = "",
    actor=None,
    actor_label: str = "",
) -> list[StockMovement]:
    """Goods arrived at ``location`` (a delivery, a purchase order): on hand goes up."""
    location_check_active(location)
    return _add_on_hand(
        location=location,
        lines=lines,
        kind=StockMovement.Kind.RECEIPT,
        reference=reference,
        reason=reason,
        channel=None,
        actor=actor,
        actor_label=actor_label,
    )


@transaction.atomic
def stock_return_restock(
    *,
    location: Location,
    lines: Sequence[StockLine],
    reference: str,
    channel: SalesChannel | None = None,
    reason: str = "",
    actor=None,
    actor_label: str = "",
) -> list[StockMovement]:
    """Returned goods go back on the shelf at ``location`` (any store, whatever the channel)."""
    location_check_active(location)
    return _add_on_hand(
        location=location,
        lines=lines,
        kind=StockMovement.Kind.RETURN,
        reference=reference,
        reason=reason,
        channel=channel,
        actor=actor,
        actor_label=actor_label,
    )


@transaction.atomic
def stock_adjust(
    *,
    location: Location,
    sku: str,
    quantity: int,
    reason: str,
    reference: str = "",
    actor=None,
    actor_label: str = "",
) -> StockMovement:
    """Correct on hand by a signed ``quantity`` (broken jar: -1) with a reason a person reads.

    A negative adjustment cannot take on hand below zero: stock that is not there cannot break.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
        raise InvalidQuantity(
            _("An adjustment is a whole number other than zero."),
            fields={"quantity": [_("Use a positive or negative whole number.")]},
        )
    if abs(quantity) > QUANTITY_LIMIT:
        raise InvalidQuantity(fields={"quantity": [_("Too large.")]})
    if not reason.strip():
        raise InvalidQuantity(
            _("Say why the stock is adjusted."), fields={"reason": [_("Required.")]}
        )
    location_check_active(location)
    variant = variants_by_sku([sku])[sku]
    level = stock_levels_ensure(variants=[variant], location=location)[variant.pk]
    # One conditional UPDATE: the check and the change cannot be split by another writer.
    updated = StockLevel.objects.filter(pk=level.pk, on_hand__gte=-quantity).update(
        on_hand=F("on_hand") + quantity
    )
    if not updated:
        raise InsufficientStock(
            _("%(sku)s: fewer than %(count)d units on hand at %(location)s.")
            % {"sku": sku, "count": -quantity, "location": location},
            fields={"quantity": [_("More than on hand.")]},
        )
    return StockMovement.objects.create(
        stock_level=level,
        kind=StockMovement.Kind.ADJUSTMENT,
        quantity=quantity,
        reason=reason.strip(),
        reference=reference,
        **actor_fields(actor, actor_label),
    )


@transaction.atomic
def stock_count_record(
    *,
    location: Location,
    lines: Sequence[StockLine],
    reference: str = "",
    actor=None,
    actor_label: str = "",
) -> list[StockMovement]:
    """A stock count: each line's quantity is what was counted; the difference is booked.

    Lines counted right are left alone (no zero movements).
    """
    location_check_active(location)
    counted = lines_merged(lines, allow_zero=True)
    variants = variants_by_sku(counted)
    levels = stock_levels_ensure(variants=list(variants.values()), location=location)
    # Lock before reading on hand: a sale committing between our read and our write would
    # otherwise be silently overwritten by the count.
    locked = locks.stock_levels_lock(pks=[level.pk for level in levels.values()])
    movements = []
    for sku, quantity in counted.items():
        level = locked[levels[variants[sku].pk].pk]
        delta = quantity - level.on_hand
        if delta == 0:
            continue
        StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + delta)
        movements.append(
            StockMovement(
                stock_level=level,
                kind=StockMovement.Kind.COUNT,
                quantity=delta,
                reason=_("Counted %(counted)d, system said %(on_hand)d")
                % {"counted": quantity, "on_hand": level.on_hand},
                reference=reference,
                **actor_fields(actor, actor_label),
            )
        )
    return StockMovement.objects.bulk_create(movements)


@transaction.atomic
def stock_offline_sale_record(
    *,
    location: Location,
    lines: Sequence[StockLine],
    reference: str,
    channel: SalesChannel | None = None,
    actor=None,
    actor_label: str = "",
) -> list[StockMovement]:
    """Record a sale that already happened (a POS sale made offline, replayed later).

    Never refused for lack of stock: on hand may go below zero. Whatever was sold beyond
    what was available raises a :class:`StockDiscrepancy` for the store manager.
    """
    quantities = lines_merged(lines)
    variants = variants_by_sku(quantities)
    levels = stock_levels_ensure(variants=list(variants.values()), location=location)
    # Locked so the shortfall is computed from the figures this sale actually changes.
    locked = locks.stock_levels_lock(pks=[level.pk for level in levels.values()])
    movements, shortfalls = [], []
    for sku, quantity in quantities.items():
        level = locked[levels[variants[sku].pk].pk]
        shortfall = quantity - max(level.available, 0)
        StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") - quantity)
        movement = StockMovement.objects.create(
            stock_level=level,
            kind=StockMovement.Kind.OFFLINE_SALE,
            quantity=-quantity,
            reference=reference,
            channel=channel,
            **actor_fields(actor, actor_label),
        )
        movements.append(movement)
        if shortfall > 0:
            shortfalls.append(
                StockDiscrepancy(
                    stock_level=level, movement=movement, shortfall=shortfall, reference=reference
                )
            )
    StockDiscrepancy.objects.bulk_create(shortfalls)
    return movements


def stock_discrepancy_resolve(*, discrepancies, now) -> int:
    """The store manager has looked into these: mark them resolved (once)."""
    return StockDiscrepancy.objects.filter(
        pk__in=[d.pk for d in discrepancies], resolved_at__isnull=True
    ).update(resolved_at=now)
