"""POS sales: submit (idempotent on client_uuid) and read back a sale of this store."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response

from customers.exceptions import CustomerNotFound
from customers.selectors import customer_get
from orders.api.base import TerminalApi
from orders.api.serializers import OrderOutput, PosSaleInput
from orders.api.serializers.sales import order_output_lean
from orders.selectors import cart_open_for_sale, order_for_store, order_list, pos_cashier_get
from orders.services.placing import LineInput, TenderInput
from orders.services.pos import pos_sale_submit

SALE_EXAMPLE = {
    "client_uuid": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "customer_id": 42,
    "lines": [{"sku": "MK-100G", "quantity": 2, "unit_price_amount": "85000"}],
    "payments": [{"method": "cash", "amount": "170000", "tendered_amount": "200000"}],
    "voucher_code": "",
    "points": 0,
}


@extend_schema(
    tags=["pos"],
    summary="Submit a sale",
    request=PosSaleInput,
    responses={201: OrderOutput, 200: OrderOutput},
    examples=[OpenApiExample("Two jars, paid in cash", value=SALE_EXAMPLE, request_only=True)],
)
class PosSaleSubmitApi(TerminalApi):
    """Record a sale of this store. 201 when recorded; 200 with the stored sale when the same
    client_uuid and body are sent again (a retry after a timeout); 409 idempotency_conflict
    when the uuid was used for a different sale; 409 insufficient_stock for an online sale
    the shelf cannot cover (an offline sale is always recorded)."""

    def post(self, request):
        data = PosSaleInput(data=request.data)
        data.is_valid(raise_exception=True)
        sale = data.validated_data
        customer = None
        if sale["customer_id"] is not None:
            try:
                customer = customer_get(pk=sale["customer_id"])
                if customer.erased_at:  # an erased profile takes no new sales
                    raise CustomerNotFound()
            except CustomerNotFound:
                raise CustomerNotFound(
                    fields={"customer_id": ["No customer has this id."]}
                ) from None
        web_cart = None
        if sale.get("web_cart_token") is not None:
            web_cart = cart_open_for_sale(
                token=sale["web_cart_token"], customer=customer, client_uuid=sale["client_uuid"]
            )
        cashier = None
        if sale["cashier_id"] is not None:
            cashier = pos_cashier_get(terminal=request.auth, cashier_id=sale["cashier_id"])
        order, created = pos_sale_submit(
            terminal=request.auth,
            client_uuid=sale["client_uuid"],
            lines=[LineInput(**line) for line in sale["lines"]],
            tenders=[TenderInput(**tender) for tender in sale["payments"]],
            customer=customer,
            cashier=cashier,
            voucher_code=sale["voucher_code"],
            points=sale["points"],
            points_code=sale["points_code"],
            placed_at=sale.get("placed_at"),
            sold_offline=sale["offline"],
            note=sale["note"],
            referral_code=sale["referral_code"],
            web_cart=web_cart,
        )
        if not created:
            order = order_list().get(pk=order.pk)
        return Response(
            order_output_lean(order),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(tags=["pos"], summary="A sale or order of this store", responses=OrderOutput)
class PosOrderDetailApi(TerminalApi):
    """An order sold at, or to be picked up at, this terminal's store; 404 for any other."""

    def get(self, request, order_id):
        order = get_object_or_404(
            order_for_store(location_id=request.auth.location_id), pk=order_id
        )
        return Response(OrderOutput(order).data)
