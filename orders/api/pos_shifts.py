"""POS endpoints for the till: which terminal is calling, and its shifts (open, move cash,
close). A terminal sees only its store's shifts."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from orders.api.base import TerminalApi
from orders.api.serializers import (
    ShiftCashMovementInput,
    ShiftCashMovementOutput,
    ShiftCloseInput,
    ShiftOpenInput,
    ShiftOutput,
    TerminalOutput,
)
from orders.selectors import pos_cashier_get, shift_for_store, shift_list
from orders.services import shift_cash_record, shift_close, shift_open


def _created_or_replayed(created: bool) -> int:
    return status.HTTP_201_CREATED if created else status.HTTP_200_OK


@extend_schema(tags=["pos"], summary="The calling terminal and its store", responses=TerminalOutput)
class TerminalMeApi(TerminalApi):
    """Which terminal this token belongs to, and the store it sells for."""

    def get(self, request):
        return Response(TerminalOutput(request.auth).data)


@extend_schema(
    tags=["pos"],
    summary="Open a shift",
    request=ShiftOpenInput,
    responses={201: ShiftOutput, 200: ShiftOutput},
    examples=[
        OpenApiExample(
            "Open with a 2,000,000 đ float",
            value={
                "client_uuid": "5b0c1f0e-2a64-4f57-9d55-2a3d8e2c1a01",
                "cashier_id": 3,
                "pin": "2468",
                "opening_float_amount": "2000000",
            },
            request_only=True,
        )
    ],
)
class ShiftOpenApi(TerminalApi):
    """Open this terminal's shift. 201 when opened; 200 when the same request is replayed;
    409 when the terminal already has another open shift or the uuid was used differently."""

    def post(self, request):
        data = ShiftOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        cashier = pos_cashier_get(
            terminal=request.auth, cashier_id=data.validated_data["cashier_id"]
        )
        shift, created = shift_open(
            terminal=request.auth,
            cashier=cashier,
            pin=data.validated_data["pin"],
            client_uuid=data.validated_data["client_uuid"],
            opening_float_amount=data.validated_data["opening_float_amount"],
        )
        shift = shift_list().get(pk=shift.pk)
        return Response(ShiftOutput(shift).data, status=_created_or_replayed(created))


@extend_schema(
    tags=["pos"],
    summary="The terminal's open shift",
    responses={
        200: ShiftOutput,
        404: OpenApiResponse(description="This terminal has no open shift (`not_found`)."),
    },
)
class ShiftCurrentApi(TerminalApi):
    """The open shift of this terminal, with the cash expected in the drawer so far; 404 if none."""

    def get(self, request):
        shift = get_object_or_404(shift_list(terminal=request.auth), closed_at__isnull=True)
        return Response(ShiftOutput(shift).data)


@extend_schema(
    tags=["pos"],
    summary="Cash in or out of a shift",
    request=ShiftCashMovementInput,
    responses={201: ShiftCashMovementOutput, 200: ShiftCashMovementOutput},
)
class ShiftCashMovementCreateApi(TerminalApi):
    """Record cash put into or taken out of the drawer (not sales: those come with the sale).
    Idempotent on client_uuid."""

    def post(self, request, shift_id):
        shift = get_object_or_404(
            shift_for_store(location_id=request.auth.location_id), pk=shift_id
        )
        data = ShiftCashMovementInput(data=request.data)
        data.is_valid(raise_exception=True)
        movement, created = shift_cash_record(shift=shift, **data.validated_data)
        return Response(
            ShiftCashMovementOutput(movement).data, status=_created_or_replayed(created)
        )


@extend_schema(
    tags=["pos"], summary="Close a shift", request=ShiftCloseInput, responses=ShiftOutput
)
class ShiftCloseApi(TerminalApi):
    """Close the shift with the counted cash; the answer shows expected, counted and the
    difference. Repeating the same close returns the same result."""

    def post(self, request, shift_id):
        shift = get_object_or_404(
            shift_for_store(location_id=request.auth.location_id), pk=shift_id
        )
        data = ShiftCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        shift, _created = shift_close(
            shift=shift,
            counted_amount=data.validated_data["counted_amount"],
            note=data.validated_data["note"],
        )
        return Response(ShiftOutput(shift_list().get(pk=shift.pk)).data)
