"""Combos: which bundles an order's lines contain, and what each takes off.

A read: the pricing (``orders.services.placing.discounts_apply``) spreads each bundle's
saving over the lines it covers, so a returned line gives back what it really cost.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from config.money import money_round
from inventory.models import SalesChannel
from orders.exceptions import BundleUnavailable
from orders.models import Bundle, Cart
from orders.selectors import bundles_live


@dataclass(frozen=True)
class BundleApplication:
    """``times`` sets of ``bundle`` found in the lines; ``saving_amount`` is for all of them.

    ``covered`` maps a variant id to the units of it the sets use, at the line's price.
    """

    bundle: Bundle
    times: int
    saving_amount: Decimal
    covered: dict[int, int]


def bundles_find(
    *, channel: SalesChannel, lines, now: datetime | None = None
) -> list[BundleApplication]:
    """The bundles the priced ``lines`` contain whole, the biggest saving first.

    A unit counts towards one bundle only. The saving of one set is the set's price at the
    lines' prices minus the bundle's price; a bundle that would save nothing is skipped.
    """
    available = {}
    prices = {}
    for line in lines:
        available[line.variant.pk] = available.get(line.variant.pk, 0) + line.quantity
        prices[line.variant.pk] = line.unit_price_amount
    if not available:
        return []
    candidates = []
    for bundle in (
        bundles_live(channel=channel, now=now)
        .filter(items__variant_id__in=list(available))
        .distinct()
    ):
        items = list(bundle.items.all())
        if not items or any(item.variant_id not in available for item in items):
            continue
        set_amount = sum((prices[item.variant_id] * item.quantity for item in items), Decimal(0))
        saving = money_round(set_amount - bundle.price_amount, channel.currency)
        if saving > 0:
            candidates.append((saving, bundle, items))
    candidates.sort(key=lambda candidate: (-candidate[0], candidate[1].pk))

    applications = []
    for saving, bundle, items in candidates:
        times = min(available[item.variant_id] // item.quantity for item in items)
        if times <= 0:
            continue
        covered = {}
        for item in items:
            available[item.variant_id] -= item.quantity * times
            covered[item.variant_id] = item.quantity * times
        applications.append(
            BundleApplication(
                bundle=bundle, times=times, saving_amount=saving * times, covered=covered
            )
        )
    return applications


@transaction.atomic
def cart_bundle_add(*, cart: Cart, bundle: Bundle) -> Cart:
    """Put one set of ``bundle`` in the cart (on top of what is there), all or nothing.

    Refused with :class:`BundleUnavailable` when the combo is over or not sold on the
    cart's channel, and with the cart's own errors when an item is short; then nothing is
    added.
    """
    from orders.services.checkout import cart_line_set

    if not bundles_live(channel=cart.channel).filter(pk=bundle.pk).exists():
        raise BundleUnavailable()
    in_cart = dict(cart.lines.values_list("variant_id", "quantity"))
    for item in bundle.items.all():
        cart = cart_line_set(
            cart=cart,
            variant_id=item.variant_id,
            quantity=in_cart.get(item.variant_id, 0) + item.quantity,
        )
    return cart
