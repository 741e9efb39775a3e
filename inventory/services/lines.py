"""What stock services take: lines of SKU and quantity, and who acts."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from inventory.exceptions import InvalidQuantity, LocationInactive, UnknownSku
from inventory.models import QUANTITY_LIMIT, Location, StockLevel, Variant


@dataclass(frozen=True)
class StockLine:
    """``quantity`` units of the variant with this SKU."""

    sku: str
    quantity: int


def lines_merged(lines: Iterable[StockLine], *, allow_zero: bool = False) -> dict[str, int]:
    """Check quantities and merge repeated SKUs: ``{sku: quantity}`` in first-seen order."""
    merged: dict[str, int] = {}
    for line in lines:
        quantity = line.quantity
        if (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or quantity < 0
            or (quantity == 0 and not allow_zero)
            or quantity > QUANTITY_LIMIT
        ):
            raise InvalidQuantity(
                fields={
                    "quantity": [_("%(sku)s: give a whole number above zero.") % {"sku": line.sku}]
                }
            )
        merged[line.sku] = merged.get(line.sku, 0) + quantity
    if not merged:
        raise InvalidQuantity(_("Give at least one line."), fields={"lines": [_("Empty.")]})
    return merged


def variants_by_sku(skus: Iterable[str]) -> dict[str, Variant]:
    """The variants with these SKUs, in one query; any unknown SKU is an error naming it."""
    wanted = set(skus)
    variants = {variant.sku: variant for variant in Variant.objects.filter(sku__in=wanted)}
    unknown = sorted(wanted - variants.keys())
    if unknown:
        raise UnknownSku(
            _("Unknown SKU: %(skus)s.") % {"skus": ", ".join(unknown)},
            fields={"sku": unknown},
        )
    return variants


def location_check_active(location: Location) -> None:
    if not location.is_active:
        raise LocationInactive(
            _("%(location)s is inactive; reactivate it first.") % {"location": location},
            fields={"location": [str(LocationInactive.default_detail)]},
        )


def stock_levels_ensure(
    *, variants: Sequence[Variant], location: Location
) -> dict[int, StockLevel]:
    """The stock levels of these variants at ``location``, created at zero where missing.

    ``{variant_id: stock_level}``. Two callers creating the same row at once is fine:
    ``ignore_conflicts`` lets the second insert do nothing.
    """
    ids = {variant.pk for variant in variants}
    levels = {
        level.variant_id: level
        for level in StockLevel.objects.filter(location=location, variant_id__in=ids)
    }
    missing = ids - levels.keys()
    if missing:
        StockLevel.objects.bulk_create(
            [StockLevel(variant_id=pk, location=location) for pk in missing],
            ignore_conflicts=True,
        )
        levels.update(
            {
                level.variant_id: level
                for level in StockLevel.objects.filter(location=location, variant_id__in=missing)
            }
        )
    return levels


def actor_fields(actor, actor_label: str) -> dict:
    """``actor`` is a staff user or None (a terminal, a job); ``actor_label`` says who in words."""
    label = actor_label or (actor.get_username() if actor is not None else "")
    return {"actor": actor, "actor_label": label[:150]}
