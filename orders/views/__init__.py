"""Web store pages of the orders app: the cart, checkout, order status and order history.

The shopper's cart is found through :func:`cart_for_request` (``orders.views.cart``): the
account's cart when logged in (a guest cart left in the session is merged into it first),
else the guest cart whose token the session holds. Only the cart and checkout views call
it: the header's count (``orders.context_processors.cart``) reads without writing.
"""

from orders.views.cart import CART_SESSION_KEY, cart_add, cart_detail, cart_for_request, cart_update
from orders.views.checkout import checkout, checkout_pay
from orders.views.orders import (
    ORDER_HISTORY_PAGE_SIZE,
    account_orders,
    order_status,
    order_status_url,
)

__all__ = [
    "CART_SESSION_KEY",
    "ORDER_HISTORY_PAGE_SIZE",
    "account_orders",
    "cart_add",
    "cart_detail",
    "cart_for_request",
    "cart_update",
    "checkout",
    "checkout_pay",
    "order_status",
    "order_status_url",
]
