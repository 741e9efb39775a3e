"""POS customer endpoints: look a shopper up by phone or email, register them at the till,
and show the cashier a summary. Views call the customers app's services and selectors.

What a terminal sees is its own store's business: the timeline in the summary leaves out
events that happened in other stores (their visits, their purchases there).
"""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.response import Response

from customers.exceptions import CustomerNotFound
from customers.models import ConsentRecord, ContactPoint, Customer
from customers.selectors import (
    consent_state,
    customer_find_by_contact,
    customer_get,
    loyalty_balance,
    timeline,
    wishlist_list,
)
from customers.services import customer_register
from orders.api.base import TerminalApi
from orders.api.serializers import (
    PosCustomerCreateInput,
    PosCustomerLookupInput,
    PosCustomerOutput,
    PosCustomerSummaryOutput,
    PosEventOutput,
)
from orders.selectors import cart_open_for_customer, pos_channel_get

RECENT_EVENTS = 20


def _summary(customer: Customer, terminal) -> dict:
    return {
        "id": customer.pk,
        "full_name": customer.full_name,
        "preferred_language": customer.preferred_language,
        "contacts": PosCustomerOutput().get_contacts(customer),  # email and phone only
        "loyalty_balance": loyalty_balance(customer=customer),
        "wishlist_variant_ids": list(
            wishlist_list(customer=customer).values_list("variant_id", flat=True)
        ),
        "consent": consent_state(customer=customer),
        "recent_events": PosEventOutput(
            timeline(customer=customer, location=terminal.location)[:RECENT_EVENTS], many=True
        ).data,
        "open_web_cart": _open_cart(customer),
    }


def _open_cart(customer: Customer) -> dict | None:
    cart = cart_open_for_customer(customer=customer)
    if cart is None:
        return None
    # Serialised with the rest of the summary by PosCustomerSummaryOutput.
    return {"token": cart.token, "updated_at": cart.updated_at, "lines": list(cart.lines.all())}


def _live_customer(pk: int) -> Customer:
    customer = customer_get(pk=pk)
    if customer.erased_at:
        raise CustomerNotFound()
    return customer


@extend_schema(
    tags=["pos"],
    summary="Find a customer by phone (any format) or email",
    parameters=[
        OpenApiParameter(
            "phone",
            str,
            description="Any format: 0909 908 089, +84 909 908 089… Give a phone or an "
            "email (a 400 without either).",
        ),
        OpenApiParameter("email", str, description="Give a phone or an email."),
    ],
    responses={
        200: PosCustomerOutput,
        404: OpenApiResponse(
            description="No customer holds this phone or email (`customer_not_found`)."
        ),
    },
)
class PosCustomerLookupApi(TerminalApi):
    """The profile holding this phone number or email, or a 404 ``customer_not_found``.

    A phone typed as ``0909 908 089``, ``84909908089`` or ``+84 909 908 089`` finds the same
    shopper; an invalid one is a 400 saying what is wrong.
    """

    def get(self, request):
        params = PosCustomerLookupInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        customer = None
        for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
            value = params.validated_data.get(kind)
            if value and customer is None:
                customer = customer_find_by_contact(kind=kind, value=value)
        if customer is None:
            raise CustomerNotFound()
        customer = Customer.objects.prefetch_related("contact_points").get(pk=customer.pk)
        return Response(PosCustomerOutput(customer).data)


@extend_schema(
    tags=["pos"],
    summary="Register a customer at the till, with the consents they give",
    request=PosCustomerCreateInput,
    responses={201: PosCustomerOutput, 200: PosCustomerOutput},
    examples=[
        OpenApiExample(
            "Phone and SMS marketing consent",
            value={
                "full_name": "Nguyễn Văn Toản",
                "phone": "0909 908 089",
                "consents": [
                    {
                        "channel": "sms",
                        "purpose": "marketing",
                        "granted": True,
                        "wording_version": "pos-2026-01",
                    }
                ],
            },
            request_only=True,
        )
    ],
)
class PosCustomerCreateApi(TerminalApi):
    """Create the shopper's profile (201), or return the one that already holds the phone or
    email (200). Consents given are recorded with this terminal as their proof."""

    def post(self, request):
        data = PosCustomerCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        terminal = request.auth
        customer, created = customer_register(
            email=values.get("email"),
            phone=values.get("phone"),
            full_name=values["full_name"],
            preferred_language=values.get("preferred_language"),
            channel=pos_channel_get(terminal=terminal),
            consents=values["consents"],
            consent_source=ConsentRecord.Source.POS_TERMINAL,
            consent_source_ref=f"terminal:{terminal.pk} store:{terminal.location.code}",
        )
        customer = Customer.objects.prefetch_related("contact_points").get(pk=customer.pk)
        return Response(
            PosCustomerOutput(customer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(
    tags=["pos"],
    summary="A customer's summary for the cashier",
    responses={200: PosCustomerSummaryOutput},
)
class PosCustomerSummaryApi(TerminalApi):
    """Loyalty balance, wishlist, current consent and recent timeline of a customer.

    The timeline shows online events and this store's, never another store's. A merged
    profile's old id answers with the surviving profile.
    """

    def get(self, request, customer_id: int):
        customer = _live_customer(customer_id)
        customer = Customer.objects.prefetch_related("contact_points").get(pk=customer.pk)
        return Response(PosCustomerSummaryOutput(_summary(customer, request.auth)).data)
