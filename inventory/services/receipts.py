"""Goods receipts: a delivery of many lines counted in at once, each line one movement."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from config.money import MAX_AMOUNT, money_round
from inventory import locks
from inventory.exceptions import InventoryError, LocationNotYours, ReceiptLinesInvalid
from inventory.models import (
    QUANTITY_LIMIT,
    GoodsReceipt,
    GoodsReceiptLine,
    Location,
    StockLevel,
    StockMovement,
    Supplier,
    Variant,
)
from inventory.selectors import staff_location_ids
from inventory.services.lines import actor_fields, location_check_active, stock_levels_ensure


@dataclass(frozen=True)
class ReceiptLine:
    """``quantity`` units of the variant scanned or typed as ``code`` (its SKU in any case, or
    its barcode), bought at ``unit_cost_amount`` each."""

    code: str
    quantity: int
    unit_cost_amount: Decimal


def variants_by_code(codes: Iterable[str]) -> dict[str, Variant]:
    """``{code: variant}`` for the codes that name one variant, in one query.

    A code is a barcode or a SKU typed in any case (``mk-100`` is ``MK-100``). SKUs are
    unique as written, so two SKUs may differ only by case: the one written exactly as
    typed wins; otherwise a code matching several is left out, like an unknown one.
    """
    wanted = {code.strip() for code in codes if code and code.strip()}
    if not wanted:
        return {}
    upper = {code.upper() for code in wanted}
    candidates = list(
        Variant.objects.select_related("product")
        .alias(sku_upper=Upper("sku"))
        .filter(Q(sku_upper__in=upper) | Q(barcode__in=wanted))
    )
    found = {}
    for code in wanted:
        exact = [v for v in candidates if v.sku == code or v.barcode == code]
        matches = exact or [v for v in candidates if v.sku.upper() == code.upper()]
        if len(matches) == 1:
            found[code] = matches[0]
    return found


def _line_problems(line: ReceiptLine, variant: Variant | None) -> dict[str, str]:
    problems = {}
    if variant is None:
        problems["code"] = _("No product has this SKU or barcode: %(code)s.") % {
            "code": line.code.strip()
        }
    quantity = line.quantity
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 0 < quantity <= QUANTITY_LIMIT
    ):
        problems["quantity"] = pgettext("goods receipt", "Give a whole number above zero.")
    try:
        cost = Decimal(line.unit_cost_amount)
    except (InvalidOperation, TypeError, ValueError):
        cost = None
    if cost is None or not cost.is_finite() or cost < 0 or cost > MAX_AMOUNT:
        problems["unit_cost_amount"] = _("Give a cost of zero or more.")
    return problems


def _lines_checked(lines: Sequence[ReceiptLine]) -> list[Variant]:
    """Every line's variant; every line's problem at once, as ``lines.<n>.<field>``."""
    if not lines:
        raise ReceiptLinesInvalid(_("Give at least one line."), fields={"lines": [_("Empty.")]})
    variants = variants_by_code(line.code for line in lines)
    fields = {}
    for index, line in enumerate(lines):
        for name, problem in _line_problems(line, variants.get(line.code.strip())).items():
            fields[f"lines.{index}.{name}"] = [problem]
    if fields:
        raise ReceiptLinesInvalid(fields=fields)
    return [variants[line.code.strip()] for line in lines]


@transaction.atomic
def supplier_upsert(*, name: str, tax_code: str = "", phone: str = "") -> Supplier:
    """The supplier with this tax code (or, without one, this name), created or brought up
    to date; used by ``seed_demo`` (staff add suppliers in the admin)."""
    tax_code, name = tax_code.strip(), name.strip()
    found = Supplier.objects.filter(tax_code=tax_code) if tax_code else None
    if found is None:
        found = Supplier.objects.filter(name=name, tax_code="")
    supplier = found.order_by("pk").first() or Supplier(tax_code=tax_code)
    supplier.name, supplier.phone = name, phone.strip()
    supplier.full_clean()
    supplier.save()
    return supplier


def _location_check(location: Location, actor) -> None:
    location_check_active(location)
    scope = staff_location_ids(actor) if actor is not None else None
    if scope is not None and location.pk not in scope:
        raise LocationNotYours(fields={"location": [str(LocationNotYours.default_detail)]})


@transaction.atomic
def goods_receipt_post(
    *,
    location: Location,
    lines: Sequence[ReceiptLine],
    supplier: Supplier | None = None,
    supplier_reference: str = "",
    note: str = "",
    actor=None,
) -> GoodsReceipt:
    """Receive a delivery at ``location``: the receipt, its lines at cost, one receipt
    movement of the ledger per line, on hand up by each line's quantity.

    All or nothing: a line with an unknown code, a quantity that is not above zero or a
    negative cost refuses the whole receipt, naming every such line
    (:class:`ReceiptLinesInvalid`, fields ``lines.<n>.code`` …); so does a location that is
    inactive or, when ``actor`` is a staff member, not one of theirs.
    """
    _location_check(location, actor)
    if supplier is not None and not supplier.is_active:
        raise InventoryError(
            _("%(supplier)s is no longer active.") % {"supplier": supplier},
            fields={"supplier": [_("Choose an active supplier.")]},
        )
    variants = _lines_checked(lines)
    currency = settings.DEFAULT_CURRENCY
    costs = [money_round(Decimal(line.unit_cost_amount), currency) for line in lines]
    levels = stock_levels_ensure(variants=variants, location=location)
    # Lock order (DESIGN.md): stock levels by id, in one statement, before on hand moves;
    # nothing else is locked here, so a receipt waits on a sale at most, never in a circle.
    locks.stock_levels_lock(pks=[level.pk for level in levels.values()])
    receipt = GoodsReceipt.objects.create(
        location=location,
        supplier=supplier,
        supplier_reference=supplier_reference.strip(),
        note=note.strip(),
        received_by=actor,
        total_cost_amount=sum(
            (cost * line.quantity for cost, line in zip(costs, lines, strict=True)), Decimal(0)
        ),
    )
    reason = " ".join(part for part in (str(supplier or ""), receipt.supplier_reference) if part)[
        :300
    ]
    movements = []
    for line, variant in zip(lines, variants, strict=True):
        movements.append(
            StockMovement(
                stock_level=levels[variant.pk],
                kind=StockMovement.Kind.RECEIPT,
                quantity=line.quantity,
                reference=receipt.reference,
                reason=reason,
                **actor_fields(actor, ""),
            )
        )
    # In stock level id order, the order every stock transaction updates rows in.
    for level_pk, quantity in sorted(_per_level(movements).items()):
        StockLevel.objects.filter(pk=level_pk).update(on_hand=F("on_hand") + quantity)
    movements = StockMovement.objects.bulk_create(movements)
    GoodsReceiptLine.objects.bulk_create(
        GoodsReceiptLine(
            receipt=receipt,
            variant=variant,
            quantity=line.quantity,
            unit_cost_amount=cost,
            movement=movement,
        )
        for line, variant, cost, movement in zip(lines, variants, costs, movements, strict=True)
    )
    return receipt


def _per_level(movements: Sequence[StockMovement]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for movement in movements:
        totals[movement.stock_level.pk] = totals.get(movement.stock_level.pk, 0) + movement.quantity
    return totals
