"""Transfers between locations, in two steps: dispatch (in transit), then receive."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.exceptions import (
    InsufficientStock,
    TransferOverReceived,
    TransferSameLocation,
    UnknownSku,
)
from inventory.models import (
    Location,
    StockLevel,
    StockMovement,
    StockTransfer,
    StockTransferLine,
)
from inventory.services.lines import (
    StockLine,
    actor_fields,
    lines_merged,
    location_check_active,
    stock_levels_ensure,
    variants_by_sku,
)


@transaction.atomic
def stock_transfer_dispatch(
    *,
    source: Location,
    destination: Location,
    lines: Sequence[StockLine],
    note: str = "",
    actor=None,
    actor_label: str = "",
) -> StockTransfer:
    """Send stock from ``source`` to ``destination``: it leaves the source now and is in
    transit until received. Only available units can leave (reserved ones stay)."""
    if source.pk == destination.pk:
        raise TransferSameLocation(fields={"destination": [_("Choose another location.")]})
    location_check_active(source)
    location_check_active(destination)
    quantities = lines_merged(lines)
    variants = variants_by_sku(quantities)
    levels = stock_levels_ensure(variants=list(variants.values()), location=source)
    transfer = StockTransfer.objects.create(source=source, destination=destination, note=note)
    movements = []
    for sku, quantity in sorted(quantities.items(), key=lambda i: levels[variants[i[0]].pk].pk):
        level = levels[variants[sku].pk]
        # Conditional UPDATE: units promised to shoppers cannot be shipped away.
        if not StockLevel.objects.filter(pk=level.pk, on_hand__gte=F("reserved") + quantity).update(
            on_hand=F("on_hand") - quantity
        ):
            level.refresh_from_db(fields=["on_hand", "reserved"])
            raise InsufficientStock(
                _("Only %(available)d of %(sku)s available at %(location)s.")
                % {"available": max(level.available, 0), "sku": sku, "location": source},
                fields={sku: [_("Not enough available.")]},
            )
        movements.append(
            StockMovement(
                stock_level=level,
                kind=StockMovement.Kind.TRANSFER_OUT,
                quantity=-quantity,
                reference=transfer.reference,
                reason=note,
                **actor_fields(actor, actor_label),
            )
        )
    StockTransferLine.objects.bulk_create(
        [
            StockTransferLine(transfer=transfer, variant=variants[sku], quantity=quantity)
            for sku, quantity in quantities.items()
        ]
    )
    StockMovement.objects.bulk_create(movements)
    return transfer


@transaction.atomic
def stock_transfer_receive(
    *,
    transfer: StockTransfer,
    lines: Sequence[StockLine] | None = None,
    actor=None,
    actor_label: str = "",
) -> StockTransfer:
    """Receive ``lines`` of a transfer at its destination (all that is in transit if None).

    Partial receipts are fine; receiving more than was dispatched is refused.
    """
    transfer_lines = {line.variant.sku: line for line in transfer.lines.select_related("variant")}
    if lines is None:
        lines = [
            StockLine(sku=sku, quantity=line.in_transit)
            for sku, line in transfer_lines.items()
            if line.in_transit
        ]
        if not lines:
            raise TransferOverReceived(_("Everything in this transfer was already received."))
    quantities = lines_merged(lines)
    unknown = sorted(set(quantities) - transfer_lines.keys())
    if unknown:
        raise UnknownSku(
            _("Not in this transfer: %(skus)s.") % {"skus": ", ".join(unknown)},
            fields={"sku": unknown},
        )
    levels = stock_levels_ensure(
        variants=[transfer_lines[sku].variant for sku in quantities],
        location=transfer.destination,
    )
    movements = []
    for sku, quantity in quantities.items():
        line = transfer_lines[sku]
        # Conditional UPDATE: two people receiving the same box cannot both book it.
        if not StockTransferLine.objects.filter(
            pk=line.pk, received_quantity__lte=F("quantity") - quantity
        ).update(received_quantity=F("received_quantity") + quantity):
            raise TransferOverReceived(
                _("%(sku)s: %(count)d units are in transit, fewer than %(quantity)d.")
                % {"sku": sku, "count": line.in_transit, "quantity": quantity},
                fields={sku: [_("More than dispatched.")]},
            )
    for sku, quantity in sorted(
        quantities.items(), key=lambda i: levels[transfer_lines[i[0]].variant_id].pk
    ):
        level = levels[transfer_lines[sku].variant_id]
        StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
        movements.append(
            StockMovement(
                stock_level=level,
                kind=StockMovement.Kind.TRANSFER_IN,
                quantity=quantity,
                reference=transfer.reference,
                **actor_fields(actor, actor_label),
            )
        )
    StockMovement.objects.bulk_create(movements)
    complete = not transfer.lines.filter(received_quantity__lt=F("quantity")).exists()
    transfer.status = (
        StockTransfer.Status.RECEIVED if complete else StockTransfer.Status.PARTIALLY_RECEIVED
    )
    transfer.received_at = timezone.now() if complete else None
    transfer.save(update_fields=["status", "received_at"])
    return transfer
