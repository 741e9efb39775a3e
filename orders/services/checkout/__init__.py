"""The web store's cart and checkout.

A cart belongs to a guest (found by its token in the session) or to a logged-in shopper,
and is merged into the account's cart at login (``carts``). Starting checkout records who
is buying (resolving the customer by phone or email), holds the stock for
``STOCK_HOLD_MINUTES`` and tells the timeline (``starting``); placing the order converts
the hold, prices everything again on the server and writes the order, its payment and its
events in one transaction (``ordering``).
"""

from orders.services.checkout.carts import (
    CART_MAX_QUANTITY,
    cart_get_or_create,
    cart_line_set,
    cart_merge,
    cart_sell_at_till_lock,
    cart_sold_at_till,
    quantity_available_check,
    web_channel,
)
from orders.services.checkout.ordering import (
    cart_lines_price,
    order_place,
    order_place_write,
)
from orders.services.checkout.starting import (
    checkout_contact_clean,
    checkout_hold,
    checkout_start,
)

__all__ = [
    "CART_MAX_QUANTITY",
    "cart_get_or_create",
    "cart_line_set",
    "cart_lines_price",
    "cart_merge",
    "cart_sell_at_till_lock",
    "cart_sold_at_till",
    "checkout_contact_clean",
    "checkout_hold",
    "checkout_start",
    "order_place",
    "order_place_write",
    "quantity_available_check",
    "web_channel",
]
