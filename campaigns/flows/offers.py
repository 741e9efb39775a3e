"""The offers the flows put in messages, made by ``orders`` (vouchers, combos, pay links).

``orders`` owns these writes and links; a deployment without one of them (the offers
land separately) sends the step without that part instead of failing the flow.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from config.api.errors import DomainError

logger = logging.getLogger(__name__)


def absolute(path: str) -> str:
    return f"{settings.MESSAGE_LINK_BASE_URL}{path}" if path else ""


def first_order_voucher_code(*, customer, voucher) -> str:
    """A unique single-use first-order code for the customer, or "" (none to give)."""
    if voucher is None:
        return ""
    from customers.models import Event

    if Event.objects.filter(customer=customer, kind=Event.Kind.ORDER_COMPLETED).exists():
        # Not a first order any more: a code it could not redeem would only disappoint.
        return ""
    try:
        from orders.services import voucher_first_order_code_issue
    except ImportError:
        logger.warning("orders.services.voucher_first_order_code_issue is not available.")
        return ""
    try:
        code = voucher_first_order_code_issue(customer=customer, voucher=voucher)
    except DomainError:
        # A returning customer gets no first-order code: the step goes without one.
        return ""
    return getattr(code, "code", str(code))


def bundle_offer(*, variant_ids: list[int]):
    """(bundle, absolute link) for a combo built from these variants, or (None, "")."""
    try:
        from orders.selectors import bundle_for_variants, bundle_link_path
    except ImportError:
        logger.warning("orders bundles are not available.")
        return None, ""
    bundle = bundle_for_variants(variant_ids=variant_ids)
    if bundle is None:
        return None, ""
    return bundle, absolute(bundle_link_path(bundle=bundle))


def order_pay_link(*, order) -> str:
    try:
        from orders.selectors import order_pay_link_path
    except ImportError:
        try:
            return absolute(reverse("shop:account-orders"))
        except NoReverseMatch:
            return ""
    return absolute(order_pay_link_path(order=order))


def cart_link() -> str:
    try:
        return absolute(reverse("shop:cart"))
    except NoReverseMatch:
        return ""
