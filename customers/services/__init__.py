"""Writes of the customers app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic)."""

from customers.services.addresses import (
    address_clean,
    customer_address_add,
    customer_address_remove,
)
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
from customers.services.events import (
    event_record,
    event_record_many,
    event_rows,
)
from customers.services.loyalty import (
    loyalty_earn,
    loyalty_earn_entry,
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
    signup_codes_send,
)
from customers.services.review_requests import (
    review_request_path,
    review_request_token,
    review_request_token_read,
)
from customers.services.verification import (
    contact_verification_confirm,
    one_time_code_check,
    one_time_code_consume,
    one_time_code_send,
    points_code_check,
    points_code_send,
)

__all__ = [
    "address_clean",
    "consent_opt_out",
    "consent_opt_out_token",
    "consent_opt_out_token_read",
    "consent_preferences_save",
    "consent_record",
    "contact_verification_confirm",
    "customer_address_add",
    "customer_address_remove",
    "customer_contacts_add",
    "customer_erase",
    "customer_export",
    "customer_merge",
    "customer_register",
    "customer_resolve",
    "event_record",
    "event_record_many",
    "event_rows",
    "loyalty_earn",
    "loyalty_earn_entry",
    "loyalty_expire",
    "loyalty_points_for_amount",
    "loyalty_redeem",
    "loyalty_reverse",
    "merge_suggestion_accept",
    "merge_suggestion_dismiss",
    "merge_suggestion_record",
    "one_time_code_check",
    "one_time_code_consume",
    "one_time_code_send",
    "points_code_check",
    "points_code_send",
    "referral_code_ensure",
    "referral_record",
    "review_moderate",
    "review_request_path",
    "review_request_token",
    "review_request_token_read",
    "review_submit",
    "shopper_signup",
    "signup_codes_send",
    "wishlist_add",
    "wishlist_remove",
]
