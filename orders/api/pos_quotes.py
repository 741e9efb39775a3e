"""POS quotes: make a quote for a customer at the till, read it back, ring it up.

A quote belongs to the store that made it: another store's quote is a 404 here. Ringing
it up is an ordinary sale (``pos_sale_submit`` with ``quote=``): idempotent on
``client_uuid``, the stock taken and the shift counted the same way, at the quoted prices.
"""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from orders.api.base import TerminalApi
from orders.api.pos_customers import _cashier, _found_here
from orders.api.serializers import (
    OrderOutput,
    PosQuoteCreateInput,
    PosQuoteSaleInput,
    QuoteOutput,
)
from orders.selectors import order_list, quote_for_store, quote_list
from orders.services.placing import TenderInput
from orders.services.pos import pos_sale_submit
from orders.services.quotes import QuoteLineInput, quote_create, quote_lines_as_sale

NOT_THIS_STORES = OpenApiResponse(description="No quote of this store has this id.")


def _store_quotes(request):
    return quote_for_store(location_id=request.auth.location_id)


@extend_schema(
    tags=["pos"],
    summary="Make a quote for a customer (sent to them at once)",
    request=PosQuoteCreateInput,
    responses={
        201: QuoteOutput,
        404: OpenApiResponse(
            description="The customer was not found by this terminal recently "
            "(`customer_not_found`)."
        ),
    },
    examples=[
        OpenApiExample(
            "Ten jars at a quoted price, 7 days",
            value={
                "customer_id": 42,
                "lines": [{"sku": "MK-100G", "quantity": 10, "unit_price_amount": "80000"}],
                "discount_amount": "50000",
                "valid_days": 7,
            },
            request_only=True,
        )
    ],
)
class PosQuoteCreateApi(TerminalApi):
    """A quote of this store for a customer this terminal found by phone or email recently
    (any other id is a 404 ``customer_not_found``). It is sent at once: the customer sees it
    in their web account and may order it there, or here, until it expires. It holds no
    stock. 400 ``quote_invalid`` names the line, discount or validity that does not hold."""

    def post(self, request):
        data = PosQuoteCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        terminal = request.auth
        customer = _found_here(request, values["customer_id"])
        cashier = _cashier(request, values["cashier_id"])
        quote = quote_create(
            customer=customer,
            location=terminal.location,
            lines=[QuoteLineInput(**line) for line in values["lines"]],
            discount_amount=values["discount_amount"],
            expires_at=timezone.now() + timedelta(days=values["valid_days"]),
            note=values["note"],
            created_by=cashier,
            terminal=terminal,
            send=True,
        )
        quote = quote_list().get(pk=quote.pk)
        return Response(QuoteOutput(quote).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["pos"],
    summary="A quote of this store",
    responses={200: QuoteOutput, 404: NOT_THIS_STORES},
)
class PosQuoteDetailApi(TerminalApi):
    """A quote made at this terminal's store, with its state (``expired`` once its validity
    has passed); another store's is a 404."""

    def get(self, request, quote_id: int):
        quote = get_object_or_404(_store_quotes(request), pk=quote_id)
        return Response(QuoteOutput(quote).data)


@extend_schema(
    tags=["pos"],
    summary="Ring a quote up as a sale, at the quoted prices",
    request=PosQuoteSaleInput,
    responses={201: OrderOutput, 200: OrderOutput, 404: NOT_THIS_STORES},
)
class PosQuoteSaleApi(TerminalApi):
    """Sell the quote's lines at its prices and discount to its customer, as an ordinary
    sale: 201 when recorded, 200 with the stored sale for a retry with the same
    ``client_uuid`` and body. 409 ``quote_expired`` once its validity has passed, 409
    ``quote_unavailable`` when it was ordered already (online or here) or withdrawn,
    409 ``insufficient_stock`` when the shelf cannot cover it. Another store's quote is a
    404."""

    def post(self, request, quote_id: int):
        quote = get_object_or_404(_store_quotes(request), pk=quote_id)
        data = PosQuoteSaleInput(data=request.data)
        data.is_valid(raise_exception=True)
        sale = data.validated_data
        order, created = pos_sale_submit(
            terminal=request.auth,
            client_uuid=sale["client_uuid"],
            lines=quote_lines_as_sale(quote=quote),
            tenders=[TenderInput(**tender) for tender in sale["payments"]],
            customer=quote.customer,
            cashier=_cashier(request, sale["cashier_id"]),
            voucher_code=sale["voucher_code"],
            points=sale["points"],
            points_code=sale["points_code"],
            note=sale["note"],
            quote=quote,
        )
        if not created:
            order = order_list().get(pk=order.pk)
        return Response(
            OrderOutput(order).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
