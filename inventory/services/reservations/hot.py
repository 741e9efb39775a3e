"""The hot path on PostgreSQL: one line reserved in one statement, with a hint that makes
the statement cheap.

A single-line reservation is one statement (one round trip, and the stock row is locked
only from that statement to COMMIT). The full statement finds the level by SKU through
the channel's locations; on a hot SKU, skipping that search took the service from 38 %
to 61 % of a bare UPDATE's rate ("The hot SKU", docs/performance.md). So each process
keeps a **hint**: the stock level the full statement chose for this (channel, SKU,
pick-up location) when it was the channel's first choice (no better location holds the
variant). With a hint the statement is only the conditional UPDATE of that row and the
INSERT of the reservation.

A hint never decides whether stock is there: the UPDATE re-checks
``on_hand - reserved >= q`` on the row's latest version, so no oversell whatever the
hint says, and a refused UPDATE drops the hint and falls back to the full statement.
What a hint may get wrong for a short time is which location is chosen (a better
location that first receives the variant) and whether the variant, the location or the
channel's link to it is still for sale. So hints are forgotten in this process whenever
a variant, location, channel, channel link or stock level is saved or deleted here, and
in every process after ``STOCK_ALLOCATION_HINT_SECONDS`` (1 s; 0 turns hints off): a
change made in another process (an admin deactivating a variant) reaches this one's
allocations within that second, not instantly.
"""

import time

from django.conf import settings
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from inventory.models import (
    ChannelLocation,
    Location,
    Reservation,
    SalesChannel,
    StockLevel,
    Variant,
)

# The full statement: choose the best location that has the units, take them with the
# conditional UPDATE and insert the reservation. The UPDATE re-checks
# ``on_hand >= reserved + q`` on the row's latest version, so a concurrent allocator that
# got there first makes it return no row rather than oversell. For the hint it also
# returns the level's variant and whether that level is the channel's first choice for the
# SKU whatever the stock (no better active location holds the variant): only a first
# choice is worth remembering, since a better location's restock would change the answer.
RESERVE_ONE_SQL = """
WITH candidate AS (
    SELECT level.id,
        %(location)s::bigint IS NOT NULL OR NOT EXISTS (
            SELECT FROM inventory_channellocation better
            JOIN inventory_location place ON place.id = better.location_id
            JOIN inventory_stocklevel other
                ON other.location_id = better.location_id AND other.variant_id = level.variant_id
            WHERE better.channel_id = %(channel)s AND place.is_active
                AND (better.priority, better.location_id) < (link.priority, link.location_id)
        ) AS first_choice
    FROM inventory_stocklevel level
    JOIN inventory_variant variant ON variant.id = level.variant_id
    JOIN inventory_location location ON location.id = level.location_id
    JOIN inventory_channellocation link
        ON link.location_id = level.location_id AND link.channel_id = %(channel)s
    WHERE variant.sku = %(sku)s AND variant.is_active AND location.is_active
        AND level.on_hand - level.reserved >= %(quantity)s
        AND (%(location)s::bigint IS NULL OR level.location_id = %(location)s::bigint)
    ORDER BY link.priority, level.location_id
    LIMIT 1
), taken AS (
    UPDATE inventory_stocklevel
    SET reserved = reserved + %(quantity)s
    WHERE id = (SELECT id FROM candidate) AND on_hand >= reserved + %(quantity)s
    RETURNING id, variant_id
), held AS (
    INSERT INTO inventory_reservation
        (stock_level_id, channel_id, reference, kind, status, quantity, expires_at, created_at)
    SELECT taken.id, %(channel)s, %(reference)s, %(kind)s, %(status)s, %(quantity)s,
        %(expires_at)s, %(now)s
    FROM taken
    RETURNING id, stock_level_id
)
SELECT held.id, held.stock_level_id, taken.variant_id, candidate.first_choice
FROM held JOIN taken ON true JOIN candidate ON true
"""

# With a hint: the conditional UPDATE of the hinted row (still that SKU's variant) and the
# reservation INSERT, nothing else.
RESERVE_HINTED_SQL = """
WITH taken AS (
    UPDATE inventory_stocklevel
    SET reserved = reserved + %(quantity)s
    WHERE id = %(level)s AND variant_id = %(variant)s AND on_hand >= reserved + %(quantity)s
    RETURNING id
)
INSERT INTO inventory_reservation
    (stock_level_id, channel_id, reference, kind, status, quantity, expires_at, created_at)
SELECT taken.id, %(channel)s, %(reference)s, %(kind)s, %(status)s, %(quantity)s,
    %(expires_at)s, %(now)s
FROM taken
RETURNING id, stock_level_id
"""

HINTS_KEPT = 10_000

# (channel pk, SKU, pick-up location pk or None) -> (stock level pk, variant pk, good until)
_hints: dict[tuple[int, str, int | None], tuple[int, int, float]] = {}


def hints_forget(**_signal) -> None:
    """Forget every hint of this process (a variant, location or channel changed)."""
    _hints.clear()


for _model in (Variant, Location, SalesChannel, ChannelLocation, StockLevel):
    post_save.connect(hints_forget, sender=_model, dispatch_uid=f"hint-save-{_model.__name__}")
    post_delete.connect(hints_forget, sender=_model, dispatch_uid=f"hint-del-{_model.__name__}")


def _hint_seconds() -> float:
    return float(settings.STOCK_ALLOCATION_HINT_SECONDS)


def reserve_one_in_one_statement(
    *, channel, sku, quantity, reference, kind, location, expires_at
) -> Reservation | None:
    """One line in one statement; ``None`` when the best candidate cannot take it (short
    stock, a lost race, a line to split or an error to name: the caller's general path
    decides and explains). Atomic on its own: outside a transaction it needs no
    BEGIN/COMMIT round trips; inside the caller's, it is part of it."""
    now = timezone.now()
    key = (channel.pk, sku, location.pk if location is not None else None)
    params = {
        "channel": channel.pk,
        "sku": sku,
        "quantity": quantity,
        "location": key[2],
        "reference": reference,
        "kind": kind,
        "status": Reservation.Status.ACTIVE,
        "expires_at": expires_at,
        "now": now,
    }
    # Prepared once per connection, as every statement run often is on PostgreSQL
    # (DATABASE_PREPARED_STATEMENTS): planning these costs more than running them.
    with connection.cursor() as cursor:
        row = None
        hint = _hints.get(key)
        if hint is not None and hint[2] > time.monotonic():
            params["level"], params["variant"] = hint[0], hint[1]
            cursor.execute(RESERVE_HINTED_SQL, params)
            row = cursor.fetchone()
        if row is None:
            # No hint, an old one, or the hinted row could not take it: drop it and let
            # the full statement choose (and remember its choice).
            _hints.pop(key, None)
            cursor.execute(RESERVE_ONE_SQL, params)
            row = cursor.fetchone()
            if row is None:
                return None
            if row[3]:
                _hint_remember(key, level_pk=row[1], variant_pk=row[2])
    held = Reservation(
        id=row[0],
        stock_level_id=row[1],
        channel=channel,
        reference=reference,
        kind=kind,
        status=Reservation.Status.ACTIVE,
        quantity=quantity,
        expires_at=expires_at,
        created_at=now,
    )
    held._state.adding, held._state.db = False, connection.alias
    return held


def _hint_remember(key, *, level_pk: int, variant_pk: int) -> None:
    seconds = _hint_seconds()
    if seconds <= 0:
        return
    if len(_hints) >= HINTS_KEPT:
        _hints.clear()
    _hints[key] = (level_pk, variant_pk, time.monotonic() + seconds)
