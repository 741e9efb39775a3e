"""A sale handed over at once (a POS sale while online): no promise first, stock leaves now."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import locks
from inventory.exceptions import InsufficientStock, UnknownSku
from inventory.models import Location, SalesChannel, StockLevel, StockMovement, Variant
from inventory.services.lines import StockLine, actor_fields, lines_merged
from inventory.services.reservations import channel_locations_for_sale, shortage_error


def stock_sell(
    *,
    channel: SalesChannel,
    lines: Sequence[StockLine],
    reference: str,
    location: Location | None = None,
    actor=None,
    actor_label: str = "",
    location_checked: bool = False,
    savepoint: bool = True,
) -> list[StockMovement]:
    """An online sale handed over at once (a POS sale while online) at ``location`` (by
    default the channel's first location: a POS channel's own store).

    Nothing is promised first, so no reservation is written: the stock levels are locked
    in id order, checked, decremented and the sale movements written, whatever the number
    of lines; on PostgreSQL in one statement. Refused with :class:`InsufficientStock` when
    the shelf is short; never goes below zero. A refusal is decided before anything is
    written.

    The till's sale saves two statements of each call: ``location_checked=True`` when the
    caller found ``channel`` through ``location``'s own link (a store's POS channel), so
    the channel's locations are not read again; ``savepoint=False`` when the caller never
    goes on after an error (its whole transaction is then rolled back: with the savepoint,
    a caller could catch the refusal and continue).
    """
    with transaction.atomic(savepoint=savepoint):
        return _sell(
            channel=channel,
            quantities=lines_merged(lines),
            reference=reference,
            location=_sale_location(channel, location, checked=location_checked),
            actor_fields=actor_fields(actor, actor_label),
        )


def _sale_location(channel: SalesChannel, location: Location | None, *, checked: bool):
    if checked and location is not None and channel.is_active and location.is_active:
        return location
    return channel_locations_for_sale(channel=channel, location=location)[0]


def _sell(*, channel, quantities, reference, location, actor_fields) -> list[StockMovement]:
    now = timezone.now()
    movements = [
        StockMovement(
            created_at=now,
            kind=StockMovement.Kind.SALE,
            quantity=-quantity,
            reference=reference,
            channel=channel,
            **actor_fields,
        )
        for quantity in quantities.values()
    ]
    if connection.vendor == "postgresql":
        levels = _sell_at_once(location.pk, quantities, movements)
        if levels is None:
            return movements
        _refusal_raise(levels, quantities)
        raise InsufficientStock()  # the statement refused, so one check above did too
    # Lock first (ordered by id, so two sales cannot deadlock), then decide.
    levels = locks.stock_levels_lock_by_sku(location_id=location.pk, skus=quantities)
    _refusal_raise(levels, quantities)
    taken = {levels[sku].pk: quantity for sku, quantity in quantities.items()}
    StockLevel.objects.filter(pk__in=list(taken)).update(
        on_hand=F("on_hand")
        - Case(
            *(When(pk=pk, then=Value(quantity)) for pk, quantity in taken.items()),
            output_field=IntegerField(),
        )
    )
    for movement, sku in zip(movements, quantities, strict=True):
        movement.stock_level_id = levels[sku].pk
    return StockMovement.objects.bulk_create(movements)


def _refusal_raise(levels: dict, quantities: dict[str, int]) -> None:
    """The refusal for a sale the locked ``levels`` (by SKU) cannot cover, if any."""
    unknown = sorted(set(quantities) - set(levels))
    if unknown:
        known = set(Variant.objects.filter(sku__in=unknown).values_list("sku", flat=True))
        if set(unknown) - known:
            raise UnknownSku(
                _("Unknown SKU: %(skus)s.") % {"skus": ", ".join(sorted(set(unknown) - known))},
                fields={"sku": sorted(set(unknown) - known)},
            )
        raise shortage_error(unknown[0], quantities[unknown[0]], 0)
    for sku, quantity in quantities.items():
        level = levels[sku]
        if not level.variant_is_active:
            raise InsufficientStock(
                _("Not for sale: %(skus)s.") % {"skus": sku}, fields={sku: [_("Not for sale.")]}
            )
        if level.available < quantity:
            raise shortage_error(sku, quantity, level.available)


@dataclass(frozen=True)
class _Locked:
    pk: int
    available: int
    variant_is_active: bool


def _sell_at_once(
    location_id: int, quantities: dict[str, int], movements: list[StockMovement]
) -> dict[str, _Locked] | None:
    """PostgreSQL: the sale in one statement (one round trip). The lines' stock levels are
    locked in id order (``FOR NO KEY UPDATE``, as ``inventory.locks`` locks them), checked
    on the locked rows (every SKU stocked here, for sale, enough available), and only if
    all pass decremented, with the ledger's rows, in the same statement. None when sold
    (``movements`` then hold their keys and levels); otherwise nothing was written and the
    locked levels by SKU tell why.

    A row another sale holds is waited for and read again once it commits (READ COMMITTED
    re-reads a locked row), so the check is made on the stock as it is, as with a separate
    lock: no oversell.
    """
    quote = connection.ops.quote_name
    level, variant = quote(StockLevel._meta.db_table), quote(Variant._meta.db_table)
    meta = StockMovement._meta
    columns = ", ".join(
        quote(meta.get_field(name).column)
        for name in (
            "stock_level", "kind", "quantity", "reason", "reference",
            "channel", "actor", "actor_label", "created_at",
        )
    )  # fmt: skip
    first = movements[0]
    # Names from the models' meta only; every value is a parameter.
    sql = f"""
        WITH q AS (SELECT * FROM unnest(%s::text[], %s::int[]) AS q(sku, quantity)),
        locked AS (
            SELECT l.id, l.on_hand - l.reserved AS available, v.sku, v.is_active
            FROM {level} l JOIN {variant} v ON v.id = l.variant_id
            WHERE l.location_id = %s AND v.sku = ANY(%s::text[])
            ORDER BY l.id FOR NO KEY UPDATE OF l
        ),
        ok AS (
            SELECT count(*) = %s AND coalesce(bool_and(is_active AND available >= quantity),
                                              false) AS ok
            FROM locked JOIN q USING (sku)
        ),
        taken AS (
            UPDATE {level} s SET on_hand = s.on_hand - q.quantity
            FROM locked JOIN q USING (sku)
            WHERE s.id = locked.id AND (SELECT ok FROM ok)
            RETURNING s.id, q.quantity
        ),
        moved AS (
            INSERT INTO {quote(meta.db_table)} ({columns})
            SELECT taken.id, %s, -taken.quantity, '', %s, %s, %s, %s, %s
            FROM taken ORDER BY taken.id
            RETURNING id, stock_level_id
        )
        SELECT locked.sku, locked.id, locked.available, locked.is_active, moved.id,
               (SELECT ok FROM ok)
        FROM locked LEFT JOIN moved ON moved.stock_level_id = locked.id
    """  # noqa: S608
    skus = list(quantities)
    params = [
        skus, [quantities[sku] for sku in skus], location_id, skus, len(skus),
        first.kind, first.reference, first.channel_id, first.actor_id, first.actor_label,
        first.created_at,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows or not rows[0][5]:
        return {sku: _Locked(pk, available, active) for sku, pk, available, active, *_ in rows}
    moved = {sku: (level_id, movement_id) for sku, level_id, _a, _i, movement_id, _ok in rows}
    for movement, sku in zip(movements, quantities, strict=True):
        movement.stock_level_id, movement.pk = moved[sku]
        movement._state.adding = False
        movement._state.db = connection.alias
    return None
