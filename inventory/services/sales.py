"""A sale handed over at once (a POS sale while online): no promise first, stock leaves now."""

from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.sql import InsertQuery
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
    in id order, checked, and decremented in one statement, and the sale movements are
    written in another, whatever the number of lines. Refused with
    :class:`InsufficientStock` when the shelf is short; never goes below zero. A refusal
    is decided before anything is written.

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
    # Lock first (ordered by id, so two sales cannot deadlock), then decide.
    levels = locks.stock_levels_lock_by_sku(location_id=location.pk, skus=quantities)
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
    movements = [
        StockMovement(
            stock_level_id=levels[sku].pk,
            kind=StockMovement.Kind.SALE,
            quantity=-quantity,
            reference=reference,
            channel=channel,
            **actor_fields,
        )
        for sku, quantity in quantities.items()
    ]
    taken = {levels[sku].pk: quantity for sku, quantity in quantities.items()}
    if connection.vendor == "postgresql":
        return _take_and_record(taken, movements)
    StockLevel.objects.filter(pk__in=list(taken)).update(
        on_hand=F("on_hand")
        - Case(
            *(When(pk=pk, then=Value(quantity)) for pk, quantity in taken.items()),
            output_field=IntegerField(),
        )
    )
    return StockMovement.objects.bulk_create(movements)


def _take_and_record(taken: dict[int, int], movements: list[StockMovement]):
    """PostgreSQL: the decrement and the ledger's rows in one statement (one round trip),
    the ``UPDATE`` a data-modifying ``WITH`` part of the movements' ``INSERT``. The rows
    are already locked (above), so the ``UPDATE`` waits on nothing."""
    insert = InsertQuery(StockMovement)
    insert.insert_values(
        [field for field in StockMovement._meta.concrete_fields if not field.primary_key],
        movements,
    )
    compiler = insert.get_compiler(connection=connection)
    compiler.returning_fields = [StockMovement._meta.pk]
    [(insert_sql, insert_params)] = compiler.as_sql()
    table = connection.ops.quote_name(StockLevel._meta.db_table)
    cases = " ".join(["WHEN %s THEN %s"] * len(taken))
    update_sql = (
        f"UPDATE {table} SET on_hand = on_hand - (CASE id {cases} END)"  # noqa: S608
        " WHERE id = ANY(%s)"
    )
    update_params = [value for pair in taken.items() for value in pair] + [list(taken)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH taken AS ({update_sql}) {insert_sql}", [*update_params, *insert_params]
        )
        for movement, (pk,) in zip(movements, cursor.fetchall(), strict=True):
            movement.pk = movement.id = pk
            movement._state.adding = False
    return movements
