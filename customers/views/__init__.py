"""Web pages of the customers app: sign-up, log-in, the shopper's account (points, wishlist,
addresses, message preferences), reviews and the one-click opt-out link."""

from customers.views.account import (
    account,
    account_address_delete,
    account_addresses,
    account_points,
    account_wishlist,
    address_wards,
)
from customers.views.login import ShopperLoginView, signup, verify_contact
from customers.views.preferences import account_preferences, opt_out
from customers.views.product_page import product_viewed, wishlist_toggle
from customers.views.reviews import review_new, review_signed, review_thanks

__all__ = [
    "ShopperLoginView",
    "account",
    "account_address_delete",
    "account_addresses",
    "account_points",
    "account_preferences",
    "account_wishlist",
    "address_wards",
    "opt_out",
    "product_viewed",
    "review_new",
    "review_signed",
    "review_thanks",
    "signup",
    "verify_contact",
    "wishlist_toggle",
]
