"""Staff screens of the orders app, one module per subject; importing them registers them."""

from orders.admin import bundles, orders, tills, vouchers

__all__ = ["bundles", "orders", "tills", "vouchers"]
