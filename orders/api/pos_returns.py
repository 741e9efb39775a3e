"""POS returns and pick-ups.

Returns: any order of any channel can come back at any store, so the till finds the order
by its number (printed on the receipt and in the order email), never by browsing; the
answer holds the lines, not who bought them. Pick-ups: the store's own orders only.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from orders.api.base import TerminalApi
from orders.api.serializers import (
    OrderOutput,
    PickupHandOverInput,
    PosReturnInput,
    ReturnableOrderOutput,
    ReturnableOrderQuery,
    ReturnOutput,
)
from orders.models import Fulfilment, Order, Return
from orders.selectors import order_for_store, order_list, pos_cashier_get
from orders.services import (
    ReturnLineInput,
    order_pickup_hand_over,
    order_ready_for_pickup,
    order_return,
)
from orders.statuses import OrderStatus


@extend_schema(
    tags=["pos"],
    summary="Find an order to take a return",
    parameters=[ReturnableOrderQuery],
    responses={
        200: ReturnableOrderOutput,
        404: OpenApiResponse(description="No order has this number (`not_found`)."),
    },
)
class PosReturnableOrderApi(TerminalApi):
    """An order of any channel by its exact number, with what can still be returned per line."""

    def get(self, request):
        query = ReturnableOrderQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data["number"].strip().upper()
        order = get_object_or_404(order_list(), number=number)
        return Response(ReturnableOrderOutput(order).data)


@extend_schema(
    tags=["pos"],
    summary="Take a return",
    request=PosReturnInput,
    responses={201: ReturnOutput, 200: ReturnOutput},
)
class PosReturnCreateApi(TerminalApi):
    """Take goods back at this store: stock returns to this store's shelf, the refund is
    recorded (cash comes out of the open shift), points earned on them are taken back.
    Idempotent on client_uuid; more than was bought minus already returned is a 400."""

    def post(self, request):
        data = PosReturnInput(data=request.data)
        data.is_valid(raise_exception=True)
        asked = data.validated_data
        order = get_object_or_404(Order, number=asked["order_number"].strip().upper())
        cashier = pos_cashier_get(terminal=request.auth, cashier_id=asked["cashier_id"])
        record, created = order_return(
            order=order,
            location=request.auth.location,
            lines=[ReturnLineInput(**line) for line in asked["lines"]],
            reason=asked["reason"],
            refund_method=asked["refund_method"],
            actor=cashier,
            terminal=request.auth,
            client_uuid=asked["client_uuid"],
        )
        record = (
            Return.objects.select_related("order")
            .prefetch_related("lines__order_line")
            .get(pk=record.pk)
        )
        return Response(
            ReturnOutput(record).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _pickups(request):
    return order_for_store(location_id=request.auth.location_id).filter(
        fulfilment=Fulfilment.PICKUP
    )


@extend_schema(tags=["pos"], summary="Orders to be picked up here")
class PosPickupListApi(TerminalApi, ListAPIView):
    """Online orders for pick-up at this store, still to prepare or ready to hand over,
    oldest first, paged (``page``, ``page_size``)."""

    serializer_class = OrderOutput
    filter_backends = []

    def get_queryset(self):
        return (
            _pickups(self.request)
            .filter(status__in=[OrderStatus.CONFIRMED, OrderStatus.READY_FOR_PICKUP])
            .order_by("placed_at", "pk")
        )


@extend_schema(tags=["pos"], summary="Mark a pick-up ready", request=None, responses=OrderOutput)
class PosPickupReadyApi(TerminalApi):
    """The order is packed and put aside: a pick-up code is made for the shopper. An order
    already ready answers 200 as it is (same code)."""

    def post(self, request, order_id):
        order = get_object_or_404(_pickups(request), pk=order_id)
        order = order_ready_for_pickup(order=order)
        return Response(OrderOutput(order_list().get(pk=order.pk)).data)


@extend_schema(
    tags=["pos"], summary="Hand over a pick-up", request=PickupHandOverInput, responses=OrderOutput
)
class PosPickupHandOverApi(TerminalApi):
    """The shopper shows the pick-up code: the goods leave the shelf, the order completes,
    the staff member is recorded. Sent again once completed (same code): 200 as it is."""

    def post(self, request, order_id):
        order = get_object_or_404(_pickups(request), pk=order_id)
        data = PickupHandOverInput(data=request.data)
        data.is_valid(raise_exception=True)
        cashier = pos_cashier_get(
            terminal=request.auth, cashier_id=data.validated_data["cashier_id"]
        )
        order = order_pickup_hand_over(
            order=order, code=data.validated_data["pickup_code"], actor=cashier
        )
        return Response(OrderOutput(order_list().get(pk=order.pk)).data)
