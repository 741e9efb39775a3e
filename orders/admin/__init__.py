"""Staff screens of the orders app, one module per subject; importing them registers them."""

from orders.admin import orders, shipping, tills, vouchers

__all__ = ["orders", "shipping", "tills", "vouchers"]
