"""One adapter per platform behind one interface (``base.MarketplaceAdapter``)."""

from django.conf import settings

from orders.marketplaces.adapters.base import (
    ListingKey,
    MarketplaceAdapter,
    OrderDoc,
    OrderLineDoc,
    OrderNotice,
    PlatformError,
    PlatformStatus,
    RateLimited,
    StockUpdate,
)
from orders.marketplaces.adapters.lazada import LazadaAdapter
from orders.marketplaces.adapters.shopee import ShopeeAdapter
from orders.marketplaces.adapters.tiki import TikiAdapter
from orders.marketplaces.adapters.tiktok import TikTokAdapter

ADAPTERS: dict[str, type[MarketplaceAdapter]] = {
    adapter.platform: adapter
    for adapter in (ShopeeAdapter, LazadaAdapter, TikTokAdapter, TikiAdapter)
}


def shop_credentials(shop) -> dict:
    """The shop's secrets, from ``settings.MARKETPLACE_CREDENTIALS["<platform>:<shop_id>"]``."""
    return dict(settings.MARKETPLACE_CREDENTIALS.get(f"{shop.platform}:{shop.shop_id}", {}))


def adapter_for(shop) -> MarketplaceAdapter:
    return ADAPTERS[shop.platform](shop=shop, credentials=shop_credentials(shop))


__all__ = [
    "ADAPTERS",
    "ListingKey",
    "MarketplaceAdapter",
    "OrderDoc",
    "OrderLineDoc",
    "OrderNotice",
    "PlatformError",
    "PlatformStatus",
    "RateLimited",
    "StockUpdate",
    "adapter_for",
    "shop_credentials",
]
