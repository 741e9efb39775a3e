"""What the dashboard shows, read from the rollups (never from the orders), and the
period's rows of the other apps (messages, reviews, stock to act on)."""

from reports.selectors.customers import CustomerSummary, customer_summary
from reports.selectors.marketing import (
    AttributionRow,
    FunnelRow,
    ReviewRate,
    attributed_revenue,
    funnel_and_reviews,
    recovery_funnel,
    review_rate,
)
from reports.selectors.sales import (
    BestSellers,
    Bucket,
    ChannelRow,
    Figures,
    Sales,
    best_sellers,
    bucket_start,
    sales_by_channel,
    top_products,
)
from reports.selectors.scope import Scope, month_split
from reports.selectors.stock import low_stock, open_discrepancies

__all__ = [
    "AttributionRow",
    "BestSellers",
    "Bucket",
    "ChannelRow",
    "CustomerSummary",
    "Figures",
    "FunnelRow",
    "ReviewRate",
    "Sales",
    "Scope",
    "attributed_revenue",
    "best_sellers",
    "bucket_start",
    "customer_summary",
    "funnel_and_reviews",
    "low_stock",
    "month_split",
    "open_discrepancies",
    "recovery_funnel",
    "review_rate",
    "sales_by_channel",
    "top_products",
]
