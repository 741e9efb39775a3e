"""Pricing an order, whatever the channel: lines, combos, discounts, shipping, tenders.

Totals are always computed on the server; a client's prices are only compared, never
trusted, except where the sale already happened (a marketplace's settled price, an offline
POS sale).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from config.compiled import CompiledQuery, row_instance, row_json
from config.money import money_round
from inventory.models import Product, SalesChannel, Variant
from inventory.services import StockLine
from orders.exceptions import LoyaltyPointsInvalid, OrderLinesInvalid, PaymentsInvalid, PriceChanged
from orders.models import Payment
from orders.services.bundles import bundles_stamp_sql
from orders.services.vouchers import VoucherQuote
from orders.shipping import shipping_quote


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: int
    # The price the client showed or charged. Compared with the catalog (web, POS online),
    # or taken as the truth where the sale already happened (marketplace, POS offline).
    unit_price_amount: Decimal | None = None


@dataclass(frozen=True)
class TenderInput:
    method: str
    amount: Decimal
    tendered_amount: Decimal | None = None  # cash handed over; the change is the rest
    provider_reference: str = ""
    status: str = Payment.Status.CAPTURED
    vietqr_payload: str = ""


@dataclass
class PricedLine:
    variant: Variant
    quantity: int
    unit_price_amount: Decimal
    discount_amount: Decimal = Decimal(0)

    @property
    def gross_amount(self) -> Decimal:
        return self.unit_price_amount * self.quantity

    @property
    def total_amount(self) -> Decimal:
        return self.gross_amount - self.discount_amount


@dataclass
class Pricing:
    currency: str
    lines: list[PricedLine]
    voucher: VoucherQuote | None = None
    # Combos found in the lines (orders.services.bundles.bundles_find), applied first.
    bundles: list = field(default_factory=list)
    points: int = 0
    points_amount: Decimal = Decimal(0)
    shipping_amount: Decimal = Decimal(0)
    discount_amount: Decimal = field(init=False, default=Decimal(0))

    @property
    def subtotal_amount(self) -> Decimal:
        return sum((line.gross_amount for line in self.lines), Decimal(0))

    @property
    def total_amount(self) -> Decimal:
        return self.subtotal_amount - self.discount_amount + self.shipping_amount

    @property
    def bundle_amount(self) -> Decimal:
        return sum((bundle.saving_amount for bundle in self.bundles), Decimal(0))

    def stock_lines(self) -> list[StockLine]:
        return [StockLine(sku=line.variant.sku, quantity=line.quantity) for line in self.lines]


def lines_price(
    *,
    channel: SalesChannel,
    lines: list[LineInput],
    trust_client_prices: bool = False,
    bundles_stamp: bool = False,
) -> list[PricedLine]:
    """Price each line from the catalog (one query), refusing unknown, inactive or bad lines.

    With ``trust_client_prices`` a line's own price is used when given. Otherwise a client
    price that differs from the catalog's is a :class:`PriceChanged` naming those lines.
    With ``bundles_stamp`` the same query reads the combos' stamp, so that
    :func:`orders.services.bundles.bundles_find` needs no query of its own.
    """
    if not lines:
        raise OrderLinesInvalid(
            _("An order needs at least one line."), fields={"lines": [_("Empty.")]}
        )
    bad_quantity = sorted({line.sku for line in lines if line.quantity <= 0})
    if bad_quantity:
        raise OrderLinesInvalid(
            _("Quantities must be at least 1: %(skus)s.") % {"skus": ", ".join(bad_quantity)},
            fields={sku: [_("Quantity must be at least 1.")] for sku in bad_quantity},
        )
    read = (_VARIANTS_WITH_STAMP if bundles_stamp else _VARIANTS).run(
        skus=sorted({line.sku for line in lines})
    )
    variants = {}
    for variant in read:
        variant.product = row_instance(Product, variant.product_row)
        variants[variant.sku] = variant
    unknown = sorted({line.sku for line in lines} - set(variants))
    if unknown:
        raise OrderLinesInvalid(
            _("Unknown SKU: %(skus)s.") % {"skus": ", ".join(unknown)},
            fields={sku: [_("No product has this SKU.")] for sku in unknown},
        )
    inactive = sorted(
        sku
        for sku, variant in variants.items()
        if not (variant.is_active and variant.product.is_active)
    )
    if inactive and not trust_client_prices:
        raise OrderLinesInvalid(
            _("No longer sold: %(skus)s.") % {"skus": ", ".join(inactive)},
            fields={sku: [_("No longer sold.")] for sku in inactive},
        )

    merged: dict[str, PricedLine] = {}
    changed: dict[str, list[str]] = {}
    for line in lines:
        variant = variants[line.sku]
        price = money_round(variant.price_amount, channel.currency)
        if line.unit_price_amount is not None:
            client_price = money_round(line.unit_price_amount, channel.currency)
            if trust_client_prices:
                price = client_price
            elif client_price != price:
                changed[line.sku] = [
                    _("The price is now %(price)s, not %(old)s.")
                    % {"price": price, "old": client_price}
                ]
        if line.sku in merged and merged[line.sku].unit_price_amount == price:
            merged[line.sku].quantity += line.quantity
        else:
            merged.setdefault(line.sku, PricedLine(variant, line.quantity, price))
    if changed:
        raise PriceChanged(fields=changed)
    return list(merged.values())


def _variants(*, skus: list[str], bundles_stamp: bool) -> QuerySet[Variant]:
    """The variants of ``skus`` with their product's row (``product_row``) and, if asked,
    the combos' stamp: every priced order reads them, so the query is compiled once per
    process and number of SKUs."""
    read = Variant.objects.filter(sku__in=skus).annotate(
        product_row=row_json(Product, prefix="product__")
    )
    if bundles_stamp:
        # A fixed expression (model meta only), no parameter.
        read = read.annotate(bundles_stamp=RawSQL(bundles_stamp_sql(), ()))  # noqa: S611
    return read


_VARIANTS = CompiledQuery(partial(_variants, bundles_stamp=False), skus="compiled: sku ")
_VARIANTS_WITH_STAMP = CompiledQuery(partial(_variants, bundles_stamp=True), skus="compiled: sku ")


def discounts_apply(*, pricing: Pricing) -> Pricing:
    """Set the order's discount (voucher, then points) and spread it over the lines.

    Each line carries its share, so a return refunds what the shopper really paid for it.
    """
    # Combos first, each saving spread over the lines of its set; the voucher and points
    # then apply to what is left.
    bundle_shares = _bundle_shares(pricing)
    subtotal = pricing.subtotal_amount - pricing.bundle_amount
    voucher_amount = min(pricing.voucher.discount_amount, subtotal) if pricing.voucher else 0
    if pricing.points:
        value = Decimal(settings.LOYALTY_POINT_VALUE_VND)
        pricing.points_amount = money_round(pricing.points * value, pricing.currency)
        if pricing.points_amount > subtotal - voucher_amount:
            raise LoyaltyPointsInvalid(
                _("These points are worth %(value)s, more than is left to pay (%(left)s).")
                % {"value": pricing.points_amount, "left": subtotal - voucher_amount},
                fields={"points": [_("Use fewer points.")]},
            )
    rest = Decimal(voucher_amount) + pricing.points_amount
    pricing.discount_amount = pricing.bundle_amount + rest
    _spread(rest, pricing.lines, pricing.currency, already=bundle_shares)
    return pricing


def shipping_apply(*, pricing: Pricing, fulfilment: str, shipping_address: dict) -> Pricing:
    """Set the order's delivery fee from the shipping rules (never from the client).

    Measured on the goods' subtotal; pick-up is free (``orders.shipping.shipping_quote``).
    """
    pricing.shipping_amount = shipping_quote(
        fulfilment=fulfilment,
        province_code=(shipping_address or {}).get("province_code", ""),
        subtotal_amount=pricing.subtotal_amount,
        currency=pricing.currency,
    ).amount
    return pricing


def _bundle_shares(pricing: Pricing) -> list[Decimal]:
    """Each line's part of the combos' savings, in proportion to what the sets use of it."""
    shares = [Decimal(0)] * len(pricing.lines)
    for application in pricing.bundles:
        weights = [
            line.unit_price_amount * application.covered.get(line.variant.pk, 0)
            for line in pricing.lines
        ]
        total = sum(weights, Decimal(0))
        remaining = application.saving_amount
        last = max(index for index, weight in enumerate(weights) if weight)
        for index, weight in enumerate(weights):
            if not weight:
                continue
            if index == last:
                share = remaining
            else:
                share = money_round(application.saving_amount * weight / total, pricing.currency)
            shares[index] += share
            remaining -= share
    return shares


def _spread(
    discount: Decimal, lines: list[PricedLine], currency: str, already: list[Decimal] | None = None
) -> None:
    """Split ``discount`` over lines in proportion to their amounts; the shares add up exactly.

    ``already`` holds what each line is already discounted (its combo share): the split is
    in proportion to what is left of each line, and added to it.
    """
    already = already or [Decimal(0)] * len(lines)
    amounts = [line.gross_amount - taken for line, taken in zip(lines, already, strict=True)]
    subtotal = sum(amounts, Decimal(0))
    remaining = discount
    for index, line in enumerate(lines):
        if index == len(lines) - 1:
            share = remaining
        else:
            share = money_round(discount * amounts[index] / subtotal, currency) if subtotal else 0
        line.discount_amount = already[index] + Decimal(share)
        remaining -= share


def tenders_check(*, tenders: list[TenderInput], total: Decimal, currency: str) -> None:
    paid = sum((money_round(tender.amount, currency) for tender in tenders), Decimal(0))
    if paid != total:
        raise PaymentsInvalid(
            _("The payments add up to %(paid)s but the order's total is %(total)s.")
            % {"paid": paid, "total": total},
            fields={"payments": [_("Make them add up to %(total)s.") % {"total": total}]},
        )
    for tender in tenders:
        if tender.amount <= 0:
            raise PaymentsInvalid(fields={"payments": [_("Each payment must be above zero.")]})
        if tender.tendered_amount is not None and tender.tendered_amount < tender.amount:
            raise PaymentsInvalid(
                _("%(tendered)s handed over is less than the %(amount)s it pays.")
                % {"tendered": tender.tendered_amount, "amount": tender.amount},
                fields={"payments": [_("Cash handed over is short.")]},
            )
