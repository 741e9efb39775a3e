from inventory.models import Reservation, StockDiscrepancy, StockLevel, StockMovement, StockTransfer
from inventory.selectors import stock_drift_list


def assert_stock_invariants():
    """DESIGN.md invariants 1-2: ledger sums to on hand, reservations sum to reserved."""
    assert list(stock_drift_list()) == []


def row_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (StockLevel, StockMovement, Reservation, StockDiscrepancy, StockTransfer)
    }


def figures(level) -> tuple[int, int]:
    level.refresh_from_db()
    return level.on_hand, level.reserved
