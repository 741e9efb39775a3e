"""Writes of the marketplaces: orders in, listings, stock out."""

from orders.marketplaces.services.convergence import order_converge
from orders.marketplaces.services.listings import (
    ListingImportReport,
    listing_map,
    listings_import_csv,
    listings_mark_dirty,
)
from orders.marketplaces.services.orders_in import (
    ApplyResult,
    held_order_release,
    order_doc_apply,
    order_notice_apply,
    webhook_event_process,
    webhook_event_replay,
    webhook_events_pending,
    webhook_receive,
)
from orders.marketplaces.services.pull import orders_import_csv, shop_orders_pull
from orders.marketplaces.services.stock_out import (
    PushReport,
    listing_quantities,
    shop_stock_push,
    shop_stock_reconcile,
    stock_changes_mark,
    stock_sync,
)

__all__ = [
    "ApplyResult",
    "ListingImportReport",
    "PushReport",
    "held_order_release",
    "listing_map",
    "listing_quantities",
    "listings_import_csv",
    "listings_mark_dirty",
    "order_converge",
    "order_doc_apply",
    "order_notice_apply",
    "orders_import_csv",
    "shop_orders_pull",
    "shop_stock_push",
    "shop_stock_reconcile",
    "stock_changes_mark",
    "stock_sync",
    "webhook_event_process",
    "webhook_event_replay",
    "webhook_events_pending",
    "webhook_receive",
]
