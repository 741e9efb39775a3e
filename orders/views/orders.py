"""An order's status page (reached by its signed link) and the shopper's order history."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from orders.models import Order, OrderLine
from orders.selectors import order_list
from orders.statuses import OrderStatus

ORDER_STATUS_SALT = "order-status"
ORDER_STATUS_MAX_AGE = timedelta(days=90)
ORDER_HISTORY_PAGE_SIZE = 20


def order_status_token(order: Order) -> str:
    """The credential of an order's status page: whoever has the link may see the order."""
    return signing.dumps(order.pk, salt=ORDER_STATUS_SALT, compress=True)


def order_status_url(order: Order) -> str:
    return reverse("shop:order-status", args=[order_status_token(order)])


def _shopper_customer(request):
    if not request.user.is_authenticated:
        return None
    return getattr(request.user, "customer", None)


@require_http_methods(["GET"])
def order_status(request, token: str):
    """An order's confirmation and status, reached by its signed link (no login needed)."""
    try:
        order_id = signing.loads(token, salt=ORDER_STATUS_SALT, max_age=ORDER_STATUS_MAX_AGE)
    except signing.BadSignature:  # tampered or expired (SignatureExpired is a subclass)
        return render(request, "store/shop/order_link_invalid.html", status=400)
    order = (
        order_list()
        .prefetch_related(None)  # order_list's plain "lines": these carry their variants
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("variant__product")),
            "payments",
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        return render(request, "store/shop/order_link_invalid.html", status=404)
    viewer = getattr(request.user, "customer", None) if request.user.is_authenticated else None
    return render(
        request,
        "store/shop/order_status.html",
        {
            "order": order,
            # The buyer, logged in, may review what they received.
            "can_review": viewer is not None
            and viewer.pk == order.customer_id
            and order.status in {OrderStatus.COMPLETED, OrderStatus.PARTIALLY_RETURNED},
            "bank": {
                "bin": settings.VIETQR_BANK_BIN,
                "account_number": settings.VIETQR_ACCOUNT_NUMBER,
                "account_name": settings.VIETQR_ACCOUNT_NAME,
            },
            "statuses": OrderStatus,
            "shop_time_zone": settings.SHOP_TIME_ZONE,
        },
    )


@login_required
@require_http_methods(["GET"])
def account_orders(request):
    """Every order of the shopper's profile, whatever the channel (web, POS, marketplace)."""
    customer = _shopper_customer(request)
    orders = (
        order_list().prefetch_related(None).filter(customer=customer)
        if customer is not None
        else Order.objects.none()
    )
    # Paged: a regular's history grows for years; each page is the same few queries.
    page = Paginator(orders, ORDER_HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for order in page.object_list:
        order.status_url = order_status_url(order)
    return render(
        request,
        "store/shop/account_orders.html",
        {"orders": page.object_list, "page": page, "shop_time_zone": settings.SHOP_TIME_ZONE},
    )
