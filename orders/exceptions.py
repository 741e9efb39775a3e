from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError


class OrdersError(DomainError):
    code = "orders_error"


class TerminalLocationInvalid(OrdersError):
    code = "terminal_location_invalid"
    default_detail = _("A POS terminal belongs to an active store.")


class ShiftError(OrdersError):
    code = "shift_error"
    status_code = 409


class ShiftAlreadyOpen(ShiftError):
    code = "shift_already_open"
    default_detail = _("This terminal already has an open shift; close it before opening another.")


class ShiftClosed(ShiftError):
    code = "shift_closed"
    default_detail = _("This shift is closed; open a new shift to move cash.")


class IdempotencyConflict(OrdersError):
    """The same client_uuid was sent before with a different body."""

    code = "idempotency_conflict"
    status_code = 409
    default_detail = _(
        "This client_uuid was already used for a different request; generate a new one."
    )


class CashierNotAllowed(OrdersError):
    code = "cashier_not_allowed"
    status_code = 400
    default_detail = _("This staff member may not run a till.")


class OrderTransitionInvalid(OrdersError):
    code = "order_transition_invalid"
    status_code = 409
    default_detail = _("This order cannot move to that status.")


class OrderLinesInvalid(OrdersError):
    code = "order_lines_invalid"
    default_detail = _("Some lines of this order cannot be sold.")


class PriceChanged(OrdersError):
    code = "price_changed"
    status_code = 409
    default_detail = _("Some prices have changed; check the new prices and confirm again.")


class PaymentsInvalid(OrdersError):
    code = "payments_invalid"
    default_detail = _("The payments do not match the order's total.")


class LoyaltyPointsInvalid(OrdersError):
    code = "loyalty_points_invalid"
    default_detail = _("These loyalty points cannot be used on this order.")


class PickupCodeInvalid(OrdersError):
    code = "pickup_code_invalid"
    default_detail = _("This pick-up code does not match the order; ask the shopper for the code.")


class PosChannelMissing(OrdersError):
    code = "pos_channel_missing"
    status_code = 409
    default_detail = _("This store has no active POS sales channel.")


class VoucherInvalid(OrdersError):
    """A voucher cannot be applied; subclasses say why, each with its own code."""

    code = "voucher_invalid"
    default_detail = _("This voucher cannot be used.")

    def __init__(self, detail=None, *, fields: dict | None = None):
        detail = detail or self.default_detail
        super().__init__(detail, fields=fields or {"voucher_code": [str(detail)]})


class VoucherUnknown(VoucherInvalid):
    code = "voucher_unknown"
    default_detail = _("There is no voucher with this code; check how it is spelt.")


class VoucherInactive(VoucherInvalid):
    code = "voucher_inactive"
    default_detail = _("This voucher has been withdrawn.")


class VoucherNotStarted(VoucherInvalid):
    code = "voucher_not_started"
    default_detail = _("This voucher is not valid yet.")


class VoucherExpired(VoucherInvalid):
    code = "voucher_expired"
    default_detail = _("This voucher has expired.")


class VoucherChannelInvalid(VoucherInvalid):
    code = "voucher_channel_invalid"
    default_detail = _("This voucher cannot be used here.")


class VoucherMinimumNotMet(VoucherInvalid):
    code = "voucher_minimum_not_met"
    default_detail = _("The order is below this voucher's minimum amount.")


class VoucherUsedUp(VoucherInvalid):
    code = "voucher_used_up"
    default_detail = _("This voucher has been used as many times as it allows.")


class VoucherCustomerLimitReached(VoucherInvalid):
    code = "voucher_customer_limit_reached"
    default_detail = _("You have already used this voucher as many times as it allows.")


class VoucherCodeUsed(VoucherInvalid):
    code = "voucher_code_used"
    default_detail = _("This single-use code has already been used.")


class VoucherFirstOrderOnly(VoucherInvalid):
    code = "voucher_first_order_only"
    default_detail = _(
        "This voucher is for a first order only, and this customer has ordered before."
    )


class VoucherCodeNotYours(VoucherInvalid):
    code = "voucher_code_not_yours"
    default_detail = _("This code was issued to another customer.")


class VoucherCodesRequestInvalid(OrdersError):
    """Bad input to the bulk generation of single-use codes (a staff request)."""

    code = "voucher_codes_request_invalid"
    default_detail = _("These single-use codes cannot be generated.")


class ReferralCodeInvalid(OrdersError):
    code = "referral_code_invalid"
    default_detail = _("This referral code cannot be used.")


class BundleUnavailable(OrdersError):
    code = "bundle_unavailable"
    status_code = 409
    default_detail = _("This combo is no longer offered.")


class CartError(OrdersError):
    code = "cart_error"


class CartEmpty(CartError):
    code = "cart_empty"
    default_detail = _("Your cart is empty; add something before checking out.")


class CartQuantityUnavailable(CartError):
    code = "cart_quantity_unavailable"
    status_code = 409
    default_detail = _("Not enough left for the quantity asked.")


class CheckoutIncomplete(CartError):
    code = "checkout_incomplete"
    default_detail = _("Some checkout details are missing.")


class PickupStoreUnavailable(CartError):
    code = "pickup_store_unavailable"
    status_code = 409
    default_detail = _("This store cannot hand over every item of your cart; choose another.")


class ReturnInvalid(OrdersError):
    code = "return_invalid"
    default_detail = _("This return cannot be taken.")


class PointsCodeRequired(OrdersError):
    code = "points_code_required"
    default_detail = _(
        "Paying with points needs the code sent to the customer: ask for one, then type it."
    )


class RefundNeedsApproval(OrdersError):
    """A refund to another channel's order, in another tender, or of more cash than the
    order took, by a staff member without ``orders.refund_cross_channel_return``."""

    code = "refund_needs_approval"
    status_code = 403
    default_detail = _(
        "This refund needs a manager: it goes to another channel's order or in another "
        "tender than the one paid with."
    )


class OfflineSaleInvalid(OrdersError):
    code = "offline_sale_invalid"


class PinInvalid(OrdersError):
    code = "pin_invalid"
    status_code = 403
    default_detail = _("The PIN is not this staff member's (or none is set yet).")


class PinThrottled(OrdersError):
    code = "pin_throttled"
    status_code = 429
    default_detail = _("Too many wrong PINs at this till. Wait 15 minutes or ask a manager.")


class QuoteError(OrdersError):
    code = "quote_error"
    default_detail = _("This quote cannot be used.")


class QuoteInvalid(QuoteError):
    """A quote being made has lines, a discount or a validity that do not hold."""

    code = "quote_invalid"
    default_detail = _("Check the quote's lines, discount and validity.")


class QuoteExpired(QuoteError):
    code = "quote_expired"
    status_code = 409
    default_detail = _(
        "This quote has expired, so its prices no longer hold. Ask the store for a new quote."
    )


class QuoteUnavailable(QuoteError):
    """Ordered already, cancelled, or not sent yet."""

    code = "quote_unavailable"
    status_code = 409
    default_detail = _("This quote has already been ordered or was withdrawn.")


class QuoteNotFound(QuoteError):
    code = "quote_not_found"
    status_code = 404
    default_detail = _("No quote of this store has this id.")


class WebCartNotFound(CartError):
    code = "web_cart_not_found"
    default_detail = _("This customer has no open web cart with this token.")
