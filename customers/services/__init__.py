"""Writes of the customers app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic)."""

from customers.services.addresses import customer_address_add, customer_address_remove
from customers.services.consent import (
    consent_opt_out,
    consent_opt_out_token,
    consent_opt_out_token_read,
    consent_record,
)
from customers.services.data_rights import customer_erase, customer_export
from customers.services.engagement import (
    referral_code_ensure,
    referral_record,
    review_moderate,
    review_submit,
    wishlist_add,
    wishlist_remove,
)
from customers.services.events import event_record
from customers.services.loyalty import (
    loyalty_earn,
    loyalty_expire,
    loyalty_points_for_amount,
    loyalty_redeem,
    loyalty_reverse,
)
from customers.services.merge import (
    customer_merge,
    merge_suggestion_accept,
    merge_suggestion_dismiss,
)
from customers.services.preferences import consent_preferences_save
from customers.services.profiles import (
    customer_contacts_add,
    customer_register,
    customer_resolve,
    merge_suggestion_record,
    shopper_signup,
)
from customers.services.review_requests import (
    review_request_path,
    review_request_token,
    review_request_token_read,
)

__all__ = [
    "consent_opt_out",
    "consent_opt_out_token",
    "consent_opt_out_token_read",
    "consent_preferences_save",
    "consent_record",
    "customer_address_add",
    "customer_address_remove",
    "customer_contacts_add",
    "customer_erase",
    "customer_export",
    "customer_merge",
    "customer_register",
    "customer_resolve",
    "event_record",
    "loyalty_earn",
    "loyalty_expire",
    "loyalty_points_for_amount",
    "loyalty_redeem",
    "loyalty_reverse",
    "merge_suggestion_accept",
    "merge_suggestion_dismiss",
    "merge_suggestion_record",
    "referral_code_ensure",
    "referral_record",
    "review_moderate",
    "review_request_path",
    "review_request_token",
    "review_request_token_read",
    "review_submit",
    "shopper_signup",
    "wishlist_add",
    "wishlist_remove",
]
