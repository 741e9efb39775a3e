"""Stock to act on: low levels and sales that took more than the shelf had."""

from __future__ import annotations

from inventory.models import StockDiscrepancy, StockLevel
from inventory.selectors import stock_level_low_list
from reports.selectors.scope import Scope, scoped


def low_stock(*, scope: Scope, limit: int = 20) -> list[StockLevel]:
    """Stock levels at or below their threshold in the viewer's stores (one query)."""
    levels = stock_level_low_list()
    return list(scoped(levels, scope).order_by("available_quantity", "pk")[:limit])


def open_discrepancies(*, scope: Scope, limit: int = 20) -> list[StockDiscrepancy]:
    """Sales that took more than the shelf had, not yet resolved (one query)."""
    rows = StockDiscrepancy.objects.filter(resolved_at__isnull=True).select_related(
        "stock_level__variant__product", "stock_level__location"
    )
    return list(
        scoped(rows, scope, "stock_level__location_id").order_by("created_at", "pk")[:limit]
    )
