"""Delivery fees: which :class:`~orders.models.ShippingRule` applies, and what to tell shoppers.

Reads only. The order's fee is set by ``orders.services.placing.shipping_apply`` when the
order is placed, from the rules as they are then; whatever a page showed (or a form sent)
is never taken as the fee.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from config.money import money_round
from orders.models import Fulfilment, ShippingRule


@dataclass(frozen=True)
class ShippingQuote:
    amount: Decimal
    rule: ShippingRule | None = None
    # Where delivery becomes free for this province, if it does: "add 120,000 đ more".
    free_from_amount: Decimal | None = None
    subtotal_amount: Decimal = Decimal(0)

    @property
    def is_free(self) -> bool:
        return self.amount == 0

    @property
    def missing_for_free_amount(self) -> Decimal | None:
        if self.free_from_amount is None or self.subtotal_amount >= self.free_from_amount:
            return None
        return self.free_from_amount - self.subtotal_amount


def _rules_for(province_code: str, currency: str) -> list[ShippingRule]:
    """The active rules of the province, or those for everywhere if it has none (one query)."""
    rules = list(
        ShippingRule.objects.filter(
            is_active=True, currency=currency, province_code__in={province_code or "", ""}
        ).order_by("min_order_amount")
    )
    own = [rule for rule in rules if rule.province_code and rule.province_code == province_code]
    return own or [rule for rule in rules if not rule.province_code]


def shipping_quote(
    *,
    fulfilment: str,
    province_code: str,
    subtotal_amount: Decimal,
    currency: str = settings.DEFAULT_CURRENCY,
) -> ShippingQuote:
    """The delivery fee of an order of ``subtotal_amount`` to ``province_code``.

    Pick-up (and a sale carried out of a store) is free. An address without a province code
    (typed before the 2025 reform, or a marketplace's) pays the rules for everywhere.
    """
    if fulfilment != Fulfilment.SHIP:
        return ShippingQuote(amount=Decimal(0), subtotal_amount=subtotal_amount)
    rules = _rules_for(province_code, currency)
    reached = [rule for rule in rules if rule.min_order_amount <= subtotal_amount]
    rule = reached[-1] if reached else None
    free_from = next((rule.min_order_amount for rule in rules if rule.fee_amount == 0), None)
    return ShippingQuote(
        amount=money_round(rule.fee_amount, currency) if rule else Decimal(0),
        rule=rule,
        free_from_amount=free_from,
        subtotal_amount=subtotal_amount,
    )


@dataclass(frozen=True)
class ShippingNote:
    """What the product page and the cart say before the address is known."""

    from_amount: Decimal | None  # the lowest fee anywhere (None: delivery is always free)
    free_from_amount: Decimal | None  # free everywhere from this order value


def shipping_note(*, currency: str = settings.DEFAULT_CURRENCY) -> ShippingNote:
    rules = list(ShippingRule.objects.filter(is_active=True, currency=currency))
    fees = [rule.fee_amount for rule in rules if rule.fee_amount > 0]
    free_from = [
        rule.min_order_amount for rule in rules if not rule.province_code and rule.fee_amount == 0
    ]
    return ShippingNote(
        from_amount=min(fees) if fees else None,
        free_from_amount=min(free_from) if free_from else None,
    )
