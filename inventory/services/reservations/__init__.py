"""Allocation: promising stock to a checkout or an order, and keeping or releasing the promise.

DESIGN.md invariant 1: the availability check and the change are one database step. A
single-line reservation is a conditional ``UPDATE … WHERE on_hand >= reserved + q`` (on
PostgreSQL one statement that also picks the location and inserts the reservation:
``hot.py``); anything that needs several rows (several lines, or a line split over
locations) first locks every candidate row in id order (``locks.py``), then decides
(``allocate.py``). ``StockLevel.reserved`` always equals the sum of the active
reservations; ``lifecycle.py`` converts, releases, expires and sells them.

Callers reserve all the lines of one order in ONE call: a transaction that reserved one
line and then asks for another in a second call holds a row while waiting for the next,
which is how deadlocks start.
"""

from inventory.services.reservations.allocate import (
    channel_locations_for_sale,
    shortage_error,
    stock_reserve,
)
from inventory.services.reservations.lifecycle import (
    reservation_convert,
    reservation_expire_due,
    reservation_release,
    stock_sale_commit,
)

__all__ = [
    "channel_locations_for_sale",
    "reservation_convert",
    "reservation_expire_due",
    "reservation_release",
    "shortage_error",
    "stock_reserve",
    "stock_sale_commit",
]
