"""Combos: which bundles an order's lines contain, and what each takes off.

A read: the pricing (``orders.services.placing.discounts_apply``) spreads each bundle's
saving over the lines it covers, so a returned line gives back what it really cost.

The till's sale reads no bundle row: its price read carries the combos' *stamp*
(:func:`bundles_stamp_sql`, a digest of every active bundle, its items and channels,
computed by the database in the same statement as the prices), and the active bundles are
kept in the process under that stamp. Any change to a combo, by whatever path (the admin,
its bulk "end now" action, a script, a migration), changes the stamp of the next price
read and so the bundles are read again; no invalidation call can be forgotten.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from config.money import money_round
from inventory.models import SalesChannel
from orders.exceptions import BundleUnavailable
from orders.models import Bundle, BundleItem, Cart
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
    for bundle, items in _bundles_containing(channel=channel, lines=lines, now=now):
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


def _bundles_containing(*, channel, lines, now) -> list[tuple[Bundle, list[BundleItem]]]:
    """The live bundles of ``channel`` holding any of the lines' variants, with their
    items: from the process's copy when the lines' price read carried the stamp."""
    stamp = getattr(lines[0].variant, "bundles_stamp", None)
    if stamp is None:
        bundles = bundles_live(channel=channel, now=now).filter(
            items__variant_id__in=[line.variant.pk for line in lines]
        )
        return [(bundle, list(bundle.items.all())) for bundle in bundles.distinct()]
    now = now or timezone.now()
    variant_ids = {line.variant.pk for line in lines}
    return [
        (bundle, items)
        for bundle, items, channel_ids in _active_bundles(stamp)
        if bundle.is_live(now)
        and (not channel_ids or channel.pk in channel_ids)
        and any(item.variant_id in variant_ids for item in items)
    ]


# (stamp, [(bundle, items, channel ids)]): every active bundle as of that stamp.
_active: tuple[str, list] = ("", [])


def _active_bundles(stamp: str) -> list[tuple[Bundle, list[BundleItem], set[int]]]:
    """Every active bundle with its items and channel ids, read again when the stamp moved.

    The rows are read after the price read that gave ``stamp`` (and in other statements):
    they are kept under it only if the stamp, read again after them, is still the same, so
    a combo edited meanwhile is never kept under a stamp it does not match (an edit then
    undone would find it again). Otherwise they serve this sale only."""
    global _active
    if _active[0] == stamp:
        return _active[1]
    bundles = Bundle.objects.filter(is_active=True).prefetch_related("items", "channels")
    active = [
        (bundle, list(bundle.items.all()), {c.pk for c in bundle.channels.all()})
        for bundle in bundles.order_by("pk")
    ]
    with connection.cursor() as cursor:
        cursor.execute(bundles_stamp_sql())
        if cursor.fetchone()[0] == stamp:
            _active = (stamp, active)
    return active


def bundles_stamp_sql() -> str:
    """A scalar SQL expression: a digest of every active bundle (price, window, items,
    channels) that moves with any change to them; :func:`bundles_find` keeps the bundles
    under it. Uncorrelated, so the database computes it once per statement."""
    bundle, item = Bundle._meta.db_table, BundleItem._meta.db_table
    channels = Bundle.channels.through._meta.db_table
    postgres = connection.vendor == "postgresql"

    def agg(expression: str, order: str, separator: str = " ") -> str:
        if postgres:
            return f"string_agg(({expression})::text, '{separator}' ORDER BY {order})"
        return f"group_concat({expression}, '{separator}')"

    # Only table names from the models' meta are formatted in; there is no parameter.
    item_list = agg("i.variant_id || 'x' || i.quantity", "i.id")
    channel_list = agg("c.saleschannel_id", "c.saleschannel_id")
    items = f"SELECT {item_list} FROM {item} i"  # noqa: S608
    links = f"SELECT {channel_list} FROM {channels} c"  # noqa: S608
    row = (
        "b.id || ',' || b.slug || ',' || b.price_amount || ','"
        " || coalesce(b.starts_at || '', '-') || ',' || coalesce(b.ends_at || '', '-')"
        f" || ',' || coalesce(({items} WHERE i.bundle_id = b.id), '')"
        f" || ',' || coalesce(({links} WHERE c.bundle_id = b.id), '')"
    )
    digest = f"coalesce({agg(row, 'b.id', ';')}, '')"
    if postgres:
        digest = f"md5({digest})"
    return f"SELECT {digest} FROM {bundle} b WHERE b.is_active"  # noqa: S608


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
