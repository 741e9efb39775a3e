"""Automated flows: one module per flow, the engine in :mod:`campaigns.flows.engine`."""

from campaigns.flows.after_purchase import ReviewRequest, ReviewThanks, StoreThankYou
from campaigns.flows.cart_abandoned import CartAbandoned
from campaigns.flows.checkout_abandoned import CheckoutAbandoned
from campaigns.flows.orders_pending import PaymentFailed, UnpaidOrder

FLOW_SPECS = {
    spec.code: spec
    for spec in (
        CartAbandoned(),
        CheckoutAbandoned(),
        UnpaidOrder(),
        PaymentFailed(),
        StoreThankYou(),
        ReviewRequest(),
        ReviewThanks(),
    )
}
