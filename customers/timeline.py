"""The customer timeline told in words, for staff: what each event refers to, loaded at once.

Events keep ids in their payload (a product, a cart's variants, an order's number); staff
read names. :func:`timeline_story` takes a page of events and loads everything they name in
two queries however many events there are (the variants with their products, the other
products), so the customer page never does a query per row.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.urls import NoReverseMatch, reverse

from customers.models import Event
from inventory.models import Product, Variant


@dataclass
class StoryLine:
    name: str
    sku: str
    quantity: int
    unit_price_amount: Decimal | None = None


@dataclass
class StoryEntry:
    """One event with what it names: ``products`` as (name, admin URL), cart or order
    ``lines``, the order's ``number`` and ``order_url``, an ``amount`` in ``currency``."""

    event: Event
    products: list[tuple[str, str | None]] = field(default_factory=list)
    lines: list[StoryLine] = field(default_factory=list)
    number: str = ""
    order_url: str | None = None
    amount: Decimal | None = None
    currency: str = ""

    @property
    def payload(self) -> dict:
        return self.event.payload or {}


def _ids(values) -> set[int]:
    return {value for value in values if isinstance(value, int) and not isinstance(value, bool)}


def _referenced_ids(events) -> tuple[set[int], set[int]]:
    variant_ids, product_ids = set(), set()
    for event in events:
        payload = event.payload or {}
        lines = payload.get("lines") if isinstance(payload.get("lines"), list) else []
        lines = [line for line in lines if isinstance(line, dict)]
        variant_ids |= _ids(line.get("variant_id") for line in lines)
        product_ids |= _ids([payload.get("product_id")])
    return variant_ids, product_ids


def _url(name: str, pk) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # an app whose admin is not installed
        return None


def _amount(payload: dict) -> Decimal | None:
    for key in ("total_amount", "refund_amount"):
        if payload.get(key) not in (None, ""):
            try:
                return Decimal(str(payload[key]))
            except InvalidOperation:
                return None
    return None


def _lines(payload: dict, variants: dict[int, Variant]) -> list[StoryLine]:
    lines = []
    for line in payload.get("lines") or []:
        if not isinstance(line, dict):
            continue
        variant = variants.get(line.get("variant_id"))
        price = line.get("unit_price_amount")
        lines.append(
            StoryLine(
                name=variant.display_name if variant else str(line.get("sku") or "—"),
                sku=variant.sku if variant else str(line.get("sku") or ""),
                quantity=line.get("quantity") or 0,
                unit_price_amount=Decimal(str(price)) if price not in (None, "") else None,
            )
        )
    return lines


def timeline_story(*, events) -> list[StoryEntry]:
    """``events`` (a page of :func:`customers.selectors.timeline`) with what they name."""
    events = list(events)
    variant_ids, product_ids = _referenced_ids(events)
    variants = Variant.objects.select_related("product").in_bulk(variant_ids) if variant_ids else {}
    products = Product.objects.in_bulk(product_ids) if product_ids else {}
    entries = []
    for event in events:
        payload = event.payload or {}
        entry = StoryEntry(event=event, lines=_lines(payload, variants))
        product = products.get(payload.get("product_id"))
        if product is not None:
            entry.products = [
                (product.display_name, _url("admin:inventory_product_change", product.pk))
            ]
        if payload.get("number"):
            entry.number = str(payload["number"])
            if isinstance(payload.get("order_id"), int):
                entry.order_url = _url("admin:orders_order_change", payload["order_id"])
            elif isinstance(payload.get("quote_id"), int):  # quote_sent: the quote's page
                entry.order_url = _url("admin:orders_quote_change", payload["quote_id"])
        entry.amount = _amount(payload)
        entry.currency = str(payload.get("currency") or "")
        entries.append(entry)
    return entries
