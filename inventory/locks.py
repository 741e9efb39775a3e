"""The only place in the inventory app that takes row locks (STYLE.md, habit 5).

Every lock is taken in one statement ordered by primary key: two transactions that need
overlapping rows queue on the first row they share instead of each holding what the other
wants, so they can never deadlock.
"""

from collections.abc import Iterable

from django.db.models import F

from config.compiled import CompiledQuery
from inventory.models import StockLevel


def stock_levels_lock(*, pks: Iterable[int]) -> dict[int, StockLevel]:
    """Lock these stock levels (``SELECT … ORDER BY id FOR NO KEY UPDATE``) and return fresh copies.

    Call it inside a transaction, before reading ``on_hand`` / ``reserved`` to decide
    anything. On SQLite, immediate transactions already serialize writers.
    """
    # NO KEY UPDATE: enough to keep other writers of these rows out, while inserts that
    # merely reference them (a reservation, a movement) need not wait.
    levels = (
        StockLevel.objects.select_for_update(no_key=True).filter(pk__in=set(pks)).order_by("pk")
    )
    return {level.pk: level for level in levels}


def stock_levels_lock_by_sku(*, location_id: int, skus: Iterable[str]) -> dict[str, StockLevel]:
    """Lock the stock levels of these SKUs at one location, in id order, keyed by SKU,
    each with its variant's ``variant_sku`` and ``variant_is_active``.

    For a sale handed over at once: one statement finds and locks every line's row.
    """
    levels = _LEVELS_BY_SKU.run(location_id=location_id, skus=sorted(set(skus)))
    return {level.variant_sku: level for level in levels}


# Every till sale locks its lines' rows here: compiled once per process and number of SKUs.
_LEVELS_BY_SKU = CompiledQuery(
    lambda location_id, skus: StockLevel.objects.select_for_update(of=("self",), no_key=True)
    .filter(location_id=location_id, variant__sku__in=skus)
    .annotate(variant_sku=F("variant__sku"), variant_is_active=F("variant__is_active"))
    .order_by("pk"),
    location_id=-1,
    skus="compiled: sku ",
)
