"""Staff screens of the orders app, one module per subject; importing them registers them."""

from orders.admin import bundles, marketplaces, orders, quotes, shipping, tills, vouchers

__all__ = ["bundles", "marketplaces", "orders", "quotes", "shipping", "tills", "vouchers"]
